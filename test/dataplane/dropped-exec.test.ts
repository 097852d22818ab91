import { beforeAll, describe, expect, it } from 'vitest';
import type { ExecRequest } from '../support/control-plane/index.js';
import { originalBody } from '../support/control-plane/data-plane/container-images.js';
import { developerBody } from '../support/control-plane/data-plane/developer-machine.js';
import { useTestNamespace } from '../support/control-plane/vitest.js';
import { OPERATOR_NAMESPACE } from '../e2e/support/operator-access.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  waitForEstablished,
} from '../e2e/support/intercept-requests.js';
import { createTargetPod } from '../e2e/support/target-pods.js';
import { fileIn, occurrences } from './support/container-files.js';
import { dataPlaneUnavailable, useDataPlaneEnvironment } from './support/data-plane-environment.js';

interface DroppedStep {
  readonly step: string;
  readonly container: 'stowaway' | 'web';
  /** While the intercept is made, or while it is removed. */
  readonly during: 'create' | 'delete';
  readonly matches: (command: readonly string[]) => boolean;
}

const script = (name: string) => (command: readonly string[]) => command.includes(name);

const STEPS: readonly DroppedStep[] = [
  {
    step: 'Stowaway: checking the mounted route table (ls)',
    container: 'stowaway',
    during: 'create',
    matches: (c) => c[0] === 'ls',
  },
  {
    step: 'Stowaway: generate-proxyroutes.sh',
    container: 'stowaway',
    during: 'create',
    matches: script('generate-proxyroutes.sh'),
  },
  {
    step: 'Stowaway: mkdir of the sync directory',
    container: 'stowaway',
    during: 'create',
    matches: (c) => c[0] === 'mkdir',
  },
  { step: 'Carrier: setroute.sh', container: 'web', during: 'create', matches: script('setroute.sh') },
  { step: 'Carrier: setprobe.sh', container: 'web', during: 'create', matches: script('setprobe.sh') },
  { step: 'Carrier: syncdirs.sh', container: 'web', during: 'create', matches: script('syncdirs.sh') },
  {
    step: 'Stowaway: generate-proxyroutes.sh unloading the route',
    container: 'stowaway',
    during: 'delete',
    matches: script('generate-proxyroutes.sh'),
  },
  {
    step: 'Stowaway: rm of the sync directory',
    container: 'stowaway',
    during: 'delete',
    matches: (c) => c[0] === 'rm',
  },
];

// The case of issue 10: an exec whose connection drops after the command ran
// (the operator cannot know whether it did), at every Carrier and Stowaway
// step. Carrier's scripts are not idempotent: run again blind, setroute.sh
// leaves a duplicate upstream and every later reload fails. The operator
// settles an unknown outcome by reading Carrier's config or restarting it
// clean (ADR 7), never by running the script again.
describe.skipIf(dataPlaneUnavailable())('a dropped exec at every Carrier and Stowaway step, on the wire', () => {
  const env = useDataPlaneEnvironment();
  const shop = useTestNamespace('dp-drop');

  beforeAll(async () => {
    const operator = await env.startOperator();
    await operator.ready({ what: 'the init phase to complete' });
    await env.connectDeveloperMachine([8000]);
  });

  it.each(STEPS.map((step, index) => ({ ...step, index })))('$step', async ({ container, during, matches, index }) => {
    const target = { namespace: shop.name, pod: `web-${index}`, container: 'web' };
    const podIP =
      (await createTargetPod(env.admin(), env.node, { namespace: shop.name, name: target.pod })).status?.podIP ?? '';
    const inStep = (request: ExecRequest): boolean =>
      request.container === container &&
      (container === 'stowaway' || request.pod === target.pod) &&
      matches(request.command);

    const fields = { portMappings: ['8080:8000'], handleProbes: true, syncDownDirectories: ['/data'] };
    const dropped = during === 'create' ? env.node.dropExecConnectionOnce(inStep) : undefined;
    await createInterceptRequest(env.admin(), target, fields);
    await dropped;
    await waitForEstablished(env.admin(), clientRequestName(target));
    await env.waitForAnswer(podIP, 8080, developerBody(8000));
    const carrier = await fileIn(env.plane(), target, '/etc/nginx/nginx.conf');
    expect(occurrences(carrier, /upstream stowaway-8080 /)).toBe(1);
    expect(occurrences(carrier, /listen 8081 default/)).toBe(1);

    const droppedOnDelete = during === 'delete' ? env.node.dropExecConnectionOnce(inStep) : undefined;
    await deleteInterceptRequest(env.admin(), clientRequestName(target));
    await droppedOnDelete;
    await env.waitForAnswer(podIP, 8080, originalBody(target.pod, 'web', 8080));
    const stowaway = await env.stowawayPod();
    const routes = await fileIn(
      env.plane(),
      { namespace: OPERATOR_NAMESPACE, pod: stowaway.metadata?.name ?? '', container: 'stowaway' },
      '/etc/nginx/stream.d/proxyroutes.conf',
    );
    expect(routes.trim()).toBe('');
  });
});

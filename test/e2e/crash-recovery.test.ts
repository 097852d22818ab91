import { setTimeout as delay } from 'node:timers/promises';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ExecRequest } from '../support/control-plane/index.js';
import { waitForObject } from './support/cluster-waits.js';
import { useE2eEnvironment, type E2eEnvironment } from './support/e2e-environment.js';
import { ExecTripwire } from './support/exec-tripwire.js';
import { componentRefs } from './support/gefyra-state.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  statusOf,
  waitForEstablished,
  waitForPhase,
  waitForRequestGone,
  type InterceptTarget,
} from './support/intercept-requests.js';
import type { OperatorProcess } from './support/operator-process.js';
import { containerStatusOf, createTargetPod, readPod, runsImage } from './support/target-pods.js';

const CARRIER = /^quay\.io\/gefyra\/carrier:/;
/** A SIGKILLed leader's lease must expire before its successor acts: keep that short. */
const OPERATOR_ENV = { GEFYRA_LEASE_DURATION: '2' };

/** The moment to SIGKILL the operator, found by watching the cluster, the operator's log or the node's execs. */
interface CrashPoint {
  readonly name: string;
  /** Resolves once the operator has been killed (or the moment never came because the work was done). */
  readonly crash: (context: CrashContext) => Promise<void>;
}

interface CrashContext {
  readonly env: E2eEnvironment;
  readonly operator: OperatorProcess;
  readonly tripwire: ExecTripwire;
  readonly target: InterceptTarget;
  readonly request: string;
}

const onExec =
  (matches: (request: ExecRequest) => boolean): CrashPoint['crash'] =>
  async ({ operator, tripwire }) =>
    await tripwire.arm(matches, () => void operator.kill());

const inContainerOf = (target: InterceptTarget, script: string) => (request: ExecRequest) =>
  request.pod === target.pod && request.container === target.container && request.command.includes(script);

const generatingRoutes = (request: ExecRequest) =>
  request.container === 'stowaway' && request.command.includes('generate-proxyroutes.sh');

const afterDelay = (ms: number): CrashPoint => ({
  name: `after a random ${ms} ms`,
  crash: async ({ operator }) => {
    await delay(ms);
    await operator.kill();
  },
});

const random = () => Math.round(Math.random() * 1500);

const ESTABLISHING: readonly CrashPoint[] = [
  {
    name: 'right after the first route is written',
    crash: async ({ env, operator }) => {
      await waitForObject(
        env.admin(),
        componentRefs()['routes']!,
        (configMap) => Object.keys((configMap?.['data'] ?? {}) as object).length > 0,
        {
          what: 'a route in the ConfigMap',
        },
      );
      await operator.kill();
    },
  },
  { name: 'while Stowaway regenerates its routes', crash: onExec(generatingRoutes) },
  {
    name: 'right after the pod is patched',
    crash: async ({ env, operator, target }) => {
      await env.node.whenPod(`${target.namespace}/${target.pod}`, (pod) =>
        CARRIER.test(pod.spec?.containers[0]?.image ?? ''),
      );
      await operator.kill();
    },
  },
  {
    name: 'while Carrier is configured',
    crash: async (context) => await onExec(inContainerOf(context.target, 'setroute.sh'))(context),
  },
  {
    name: 'before `established` is written',
    crash: async ({ operator, request }) => {
      await operator.waitForLog(
        (line) => line['action'] === 'setEstablished' && String(line['request']).endsWith(request),
        { what: 'the setEstablished step' },
      );
      await operator.kill();
    },
  },
  afterDelay(random()),
  afterDelay(random()),
];

const ENDING: readonly (CrashPoint | undefined)[] = [
  {
    name: 'right after the pod is restored',
    crash: async ({ env, operator, target }) => {
      await env.node.whenPod(
        `${target.namespace}/${target.pod}`,
        (pod) => pod.spec?.containers[0]?.image === 'shop/web:1.0',
      );
      await operator.kill();
    },
  },
  { name: 'while Stowaway drops the route', crash: onExec(generatingRoutes) },
  afterDelay(random()),
  undefined,
];

// Scenario 5 of issue 4: the operator SIGKILLed at points of an intercept's
// life and started again converges, with nothing done twice and nothing leaked.
// Every case starts its own operator on the bare installation, with its own
// target namespace; after it the operators are stopped and requests and
// components removed, so each case passes alone and in any order.
describe('crash recovery', () => {
  const tripwire = new ExecTripwire();
  const env = useE2eEnvironment({ handlers: [tripwire.handle], freshComponents: true });
  let operator: OperatorProcess;

  beforeEach(async () => {
    env.cleanup(() => tripwire.disarm());
    operator = await env.startOperator({ env: OPERATOR_ENV });
    await operator.ready({ what: 'the init phase to complete' });
  });

  async function crashAndRestart(point: CrashPoint, target: InterceptTarget, request: string): Promise<void> {
    await point.crash({ env, operator, tripwire, target, request });
    tripwire.disarm();
    // A tripwire has sent SIGKILL; wait until the process is really gone.
    expect(await operator.kill()).toEqual({ code: null, signal: 'SIGKILL' });
    operator = await env.startOperator({ env: OPERATOR_ENV });
  }

  const cases = ESTABLISHING.map((point, index) => [point.name, point, ENDING[index % ENDING.length]] as const);

  it.each(cases)('killed %s', async (_name, establishing, ending) => {
    const target: InterceptTarget = {
      namespace: await env.testNamespace('crash'),
      pod: `web-${cases.findIndex((entry) => entry[1] === establishing)}`,
      container: 'web',
    };
    await createTargetPod(env.admin(), env.node, { namespace: target.namespace, name: target.pod });
    const name = clientRequestName(target);

    await createInterceptRequest(env.admin(), target);
    await crashAndRestart(establishing, target, name);

    await waitForEstablished(env.admin(), name);
    const request = await waitForPhase(env.admin(), name, 'Established');
    const [route, ...moreRoutes] = statusOf(request).routes ?? [];
    expect(moreRoutes).toEqual([]);
    const proxyPort = route?.proxyPort;
    expect(Object.values(await env.state().proxyRoutes())).toEqual([`172.18.0.3:8000,${proxyPort}`]);
    expect(env.components.stowaway.servedRoutes).toEqual(await env.state().proxyRoutes());
    expect(await env.state().proxyServices()).toEqual([`gefyra-stowaway-proxy-${proxyPort}`]);
    const pod = await readPod(env.admin(), target.namespace, target.pod);
    expect(runsImage(pod, 'web', CARRIER)).toBe(true);
    // Carrier was installed once: one restart of the container, not two.
    expect(containerStatusOf(pod, 'web')?.restartCount).toBe(1);
    expect(
      env.components.carrier.configurationOf({ namespace: target.namespace, name: target.pod, container: 'web' })
        ?.routes,
    ).toEqual([
      { containerPort: 8080, upstream: `gefyra-stowaway-proxy-${proxyPort}.gefyra.svc.cluster.local:${proxyPort}` },
    ]);
    // setroute.sh ran once in this container, however the crash fell: one upstream block.
    expect(
      env.components.carrier
        .configurationOf({ namespace: target.namespace, name: target.pod, container: 'web' })
        ?.configText.split('upstream stowaway-8080 '),
    ).toHaveLength(2);

    await deleteInterceptRequest(env.admin(), name, { wait: false });
    if (ending !== undefined) await crashAndRestart(ending, target, name);
    await waitForRequestGone(env.admin(), name);

    expect(await env.state().proxyRoutes()).toEqual({});
    expect(await env.state().proxyServices()).toEqual([]);
    const restored = await readPod(env.admin(), target.namespace, target.pod);
    expect(runsImage(restored, 'web', 'shop/web:1.0')).toBe(true);
    expect(containerStatusOf(restored, 'web')?.restartCount).toBe(2);
    expect(
      Object.keys(restored.metadata?.annotations ?? {}).filter((key) => key.startsWith('carrier.gefyra.dev/')),
    ).toEqual([]);
  });
});

import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { originalBody } from '../support/control-plane/data-plane/container-images.js';
import { developerBody } from '../support/control-plane/data-plane/developer-machine.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { useTestNamespace } from '../support/control-plane/vitest.js';
import { OPERATOR_NAMESPACE } from '../e2e/support/operator-access.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  statusOf,
  waitForEstablished,
  waitForPhase,
} from '../e2e/support/intercept-requests.js';
import { containerStatusOf, createTargetPod } from '../e2e/support/target-pods.js';
import { fileIn, occurrences } from './support/container-files.js';
import { dataPlaneUnavailable, useDataPlaneEnvironment } from './support/data-plane-environment.js';

// Components restarted under a live intercept, with traffic on the wire.
describe.skipIf(dataPlaneUnavailable())('an intercept whose components restart, on the wire', () => {
  const env = useDataPlaneEnvironment();
  const shop = useTestNamespace('dp-restart');
  const target = { namespace: '', pod: 'web-1', container: 'web' };
  let podIP = '';

  beforeAll(async () => {
    const operator = await env.startOperator();
    await operator.ready({ what: 'the init phase to complete' });
    await env.connectDeveloperMachine([8000]);
    Object.assign(target, { namespace: shop.name });
    podIP =
      (await createTargetPod(env.admin(), env.node, { namespace: shop.name, name: target.pod })).status?.podIP ?? '';
  });

  const carrierConfig = async (): Promise<string> => await fileIn(env.plane(), target, '/etc/nginx/nginx.conf');

  it("resumes traffic after Stowaway's pod is killed, with the route loaded once in the new Stowaway", async () => {
    await createInterceptRequest(env.admin(), target, { portMappings: ['8080:8000'], handleProbes: false });
    // `established` is written just before the status that lists the routes.
    const request = await waitForPhase(env.admin(), clientRequestName(target), 'Established');
    await env.waitForAnswer(podIP, 8080, developerBody(8000));
    const proxyPort = statusOf(request).routes?.[0]?.proxyPort;
    expect(proxyPort, JSON.stringify(request)).toBeDefined();

    const core = env.admin().makeApiClient(CoreV1Api);
    const killed = await env.stowawayPod();
    const keyBefore = await connectionKey();
    await core.deleteNamespacedPod({
      namespace: OPERATOR_NAMESPACE,
      name: killed.metadata?.name ?? '',
      gracePeriodSeconds: 0,
    });
    const replacement = await env.node.whenPod(
      (pod: V1Pod) =>
        pod.metadata?.labels?.['app'] === 'stowaway' &&
        pod.metadata.name !== killed.metadata?.name &&
        pod.status?.phase === 'Running',
      undefined,
      { timeoutMs: 60_000 },
    );

    // The new Stowaway has new keys: the developer connects again with the Secret the operator published for it.
    await env.node.whenIdle();
    await waitForNewConnectionKey(keyBefore);
    await env.connectDeveloperMachine([8000]);
    await env.waitForAnswer(podIP, 8080, developerBody(8000));

    const stowaway = { namespace: OPERATOR_NAMESPACE, pod: replacement.metadata?.name ?? '', container: 'stowaway' };
    const routes = await fileIn(env.plane(), stowaway, '/etc/nginx/stream.d/proxyroutes.conf');
    expect(occurrences(routes, new RegExp(`listen ${proxyPort};`))).toBe(1);
    expect(occurrences(await carrierConfig(), /upstream stowaway-8080 /)).toBe(1);

    await deleteInterceptRequest(env.admin(), clientRequestName(target));
    await env.waitForAnswer(podIP, 8080, originalBody(target.pod, 'web', 8080));
  });

  it('configures a new Carrier container from scratch after the old one crashed', async () => {
    await createInterceptRequest(env.admin(), target, { portMappings: ['8080:8000'], handleProbes: true });
    await waitForEstablished(env.admin(), clientRequestName(target));
    await env.waitForAnswer(podIP, 8080, developerBody(8000));
    const before = containerStatusOf(await env.node.whenPod(`${shop.name}/${target.pod}`), 'web');

    const recover = env.node.crash(`${shop.name}/${target.pod}`, 'web');
    await env.node.whenPod(
      `${shop.name}/${target.pod}`,
      (pod) => (containerStatusOf(pod, 'web')?.restartCount ?? 0) > (before?.restartCount ?? 0),
    );
    recover();
    await env.node.whenPod(`${shop.name}/${target.pod}`, (pod) => {
      const status = containerStatusOf(pod, 'web');
      return status?.state?.running !== undefined && status.containerID !== before?.containerID;
    });

    // The new instance started with Carrier's base configuration; the operator must configure it again, once:
    // the route, and the probe answer (200 with an empty body) on the liveness probe's port.
    await env.waitForAnswer(podIP, 8080, developerBody(8000));
    await env.waitForAnswer(podIP, 8081, '', '/health');
    const config = await carrierConfig();
    expect(occurrences(config, /upstream stowaway-8080 /)).toBe(1);
    expect(occurrences(config, /listen 8081 default/)).toBe(1);

    await deleteInterceptRequest(env.admin(), clientRequestName(target));
    await env.waitForAnswer(podIP, 8080, originalBody(target.pod, 'web', 8080));
  });

  async function connectionKey(): Promise<string> {
    const secret = await env
      .admin()
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: 'gefyra-cargo-connection' });
    return secret.data?.['Peer.PublicKey'] ?? '';
  }

  async function waitForNewConnectionKey(before: string): Promise<void> {
    await pollUntil(
      'the connection Secret for the new Stowaway',
      async () => ((await connectionKey()) !== before ? true : undefined),
      { timeoutMs: 60_000 },
    );
  }
});

// The real-node tier (see operator-pod.test.ts): live intercepts of real pods
// through a rolling update of the operator (a new image tag) and a restart of
// the node's kubelet and containerd. Neither may purge anything: the requests
// stay established, Carrier keeps running and traffic keeps (or comes back)
// reaching the developer's machine.
import { join } from 'node:path';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  type KubeConfig,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltImage } from '../../scripts/image/build-operator-image.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { recordObjects } from '../e2e/support/cluster-waits.js';
import {
  INTERCEPT_REQUEST,
  postInterceptRequest,
  statusOf,
  waitForEstablished,
} from '../e2e/support/intercept-requests.js';
import { CLIENT_PEER_SUBNET_ENV } from '../support/client-network.js';
import { developerBody } from '../support/control-plane/data-plane/developer-machine.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { clientBridgeBody } from '../support/intercept-request-fixtures.js';
import { createDemoApp, waitForDemoAnswer } from '../support/real-node/demo-app.js';
import {
  readCargoConnection,
  startDeveloperNamespace,
  type DeveloperNamespace,
} from '../support/real-node/developer-namespace.js';
import { captureHostState, hostStateChanges, type HostState } from '../support/real-node/host-state.js';
import {
  createAll,
  DEPLOY_DIR,
  kustomizationObjects,
  withOperatorEnvironment,
} from '../support/real-node/kustomization.js';
import {
  figure,
  INTERCEPT_STAND_INS,
  realNodeBinDir,
  startNodeWithImages,
  type NodeWithImages,
} from '../support/real-node/node-with-images.js';
import { execIn, operatorPods, throwIfStuck } from '../support/real-node/pod-checks.js';
import type { RealNode } from '../support/real-node/real-node.js';
import { CARRIER_IMAGE, DEMO_APP_PORT, demoAppBody } from '../support/real-node/stand-in-images.js';

const binDir = await realNodeBinDir();

const NAMESPACE = 'gefyra';
const SHOP = 'shop';
/** Two workloads, each intercepted to its own port on the developer's machine. */
const INTERCEPTS = [
  { app: 'demo', destinationPort: 8000 },
  { app: 'billing', destinationPort: 8001 },
] as const;
/** The image the rolling update moves to: the same image under a new tag, as a release re-tagged in a registry. */
const NEXT_TAG = 'ghcr.io/gefyra/gefyra-operator:0.1.1-rolled';
const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);

/** What must not change while an intercept lives: the request's status and the Carrier container it runs in. */
interface InterceptState {
  readonly request: string;
  readonly uid: string;
  readonly established: unknown;
  readonly status: unknown;
  readonly pod: string;
  readonly image: string | undefined;
  readonly containerID: string | undefined;
  readonly restartCount: number | undefined;
}

describe.skipIf(binDir === undefined)('live intercepts through operator and node restarts on a real node', () => {
  let hostBefore: HostState;
  let started: NodeWithImages | undefined;
  let node: RealNode;
  let image: BuiltImage;
  let kubeConfig: KubeConfig;
  let machine: DeveloperNamespace | undefined;
  /** By app: the intercepted pod and the request the 0.13 client named for it. */
  const intercepted = new Map<string, { pod: string; request: string }>();

  beforeAll(async () => {
    started = await startNodeWithImages(binDir as string, INTERCEPT_STAND_INS, figure);
    ({ hostBefore, node, image } = started);
    kubeConfig = node.adminKubeConfig();
  }, 900_000);

  afterAll(async () => {
    await machine?.stop();
    await started?.stop();
  }, 120_000);

  it(
    'kubectl apply -k deploy/, then two intercepts of real pods as the 0.13 client asks for them, ' +
      'each answered by the developer’s machine through Stowaway and Carrier',
    async () => {
      const appliedAt = Date.now();
      await createAll(
        kubeConfig,
        withOperatorEnvironment(await kustomizationObjects(DEPLOY_DIR, image.reference), CLIENT_PEER_SUBNET_ENV),
      );
      const core = kubeConfig.makeApiClient(CoreV1Api);
      await core.createNamespace({ body: { metadata: { name: SHOP } } });
      await createDemoApp(
        kubeConfig,
        SHOP,
        INTERCEPTS.map(({ app }) => app),
      );
      await pollUntil('the operator pod Ready', async () => readyPod(await operatorPods(kubeConfig, NAMESPACE)), {
        timeoutMs: 240_000,
        intervalMs: 1_000,
      });
      figure(`apply -> operator pod Ready ${seconds(appliedAt)} s`);
      for (const { app } of INTERCEPTS) {
        const pod = await pollUntil(
          `the ${app} pod running`,
          async () => {
            const pods = (await core.listNamespacedPod({ namespace: SHOP, labelSelector: `app=${app}` })).items;
            throwIfStuck(pods);
            return pods.find((p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        const name = pod.metadata?.name as string;
        await waitForDemoAnswer(
          kubeConfig,
          SHOP,
          app,
          demoAppBody(name),
          `the ${app} app answering through its Service`,
        );
        intercepted.set(app, { pod: name, request: '' });
      }

      machine = await connectDeveloper(node, kubeConfig);
      const requestedAt = Date.now();
      for (const { app, destinationPort } of INTERCEPTS) {
        const target = { namespace: SHOP, pod: podOf(app), container: 'web' };
        // What `gefyra bridge` (0.13.4) posts, field for field: the deployment's pod, the service account directory synced down.
        const created = await postInterceptRequest(
          kubeConfig,
          clientBridgeBody(
            target,
            { kind: 'deploy', name: app },
            { portMappings: [`${DEMO_APP_PORT}:${destinationPort}`] },
          ),
        );
        intercepted.set(app, { pod: target.pod, request: created.metadata.name });
      }
      for (const { app } of INTERCEPTS) await waitForEstablished(kubeConfig, requestOf(app), { timeoutMs: 180_000 });
      figure(`two InterceptRequests established ${seconds(requestedAt)} s after the first was created`);
      await answeredByDeveloper('through each intercept');
      figure(`created -> the developer's answers ${seconds(requestedAt)} s`);
      for (const state of await interceptStates()) {
        expect(state).toMatchObject({ established: true, image: CARRIER_IMAGE });
        expect(await upstreamsInCarrier(state.pod)).toHaveLength(1);
      }
    },
    600_000,
  );

  it(
    'a rolling update of the operator (the same image under a new tag): the new pod Ready, the old one gone, ' +
      'every request established throughout, its Carrier never restarted, traffic still reaching the developer',
    async () => {
      const apps = kubeConfig.makeApiClient(AppsV1Api);
      const before = await interceptStates();
      const oldPod = readyPod(await operatorPods(kubeConfig, NAMESPACE))?.metadata?.name as string;
      const stowawayBefore = await stowawayContainer(kubeConfig);
      const requests = recordObjects(kubeConfig, { ...INTERCEPT_REQUEST, namespace: NAMESPACE });
      let newPod: string;
      const updatedAt = Date.now();
      try {
        await requests.synced;
        await node.tagImage(image.reference, NEXT_TAG);
        const deployment = await apps.readNamespacedDeployment({ namespace: NAMESPACE, name: 'gefyra-operator' });
        for (const container of deployment.spec?.template.spec?.containers ?? []) container.image = NEXT_TAG;
        await apps.replaceNamespacedDeployment({ namespace: NAMESPACE, name: 'gefyra-operator', body: deployment });

        const ready = await pollUntil(
          'the new operator pod Ready',
          async () => {
            const pods = await operatorPods(kubeConfig, NAMESPACE);
            throwIfStuck(pods);
            return readyPod(pods.filter((pod) => pod.spec?.containers[0]?.image === NEXT_TAG));
          },
          { timeoutMs: 180_000, intervalMs: 500 },
        );
        newPod = ready.metadata?.name as string;
        figure(`rolling update -> new operator pod Ready ${seconds(updatedAt)} s`);
        await pollUntil(
          'the old operator pod gone',
          async () =>
            (await operatorPods(kubeConfig, NAMESPACE)).some((pod) => pod.metadata?.name === oldPod) ? undefined : true,
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        figure(`rolling update -> old pod gone ${seconds(updatedAt)} s`);
        await pollUntil(
          'the new pod leading',
          async () => {
            const lease = await kubeConfig
              .makeApiClient(CoordinationV1Api)
              .readNamespacedLease({ namespace: NAMESPACE, name: 'gefyra-operator' });
            return lease.spec?.holderIdentity === newPod ? true : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 500 },
        );
        figure(`rolling update -> new pod leading ${seconds(updatedAt)} s`);
        // The new leader took up both requests (it counts only those it found established) and has nothing queued.
        await pollUntil(
          'the new leader counting both intercepts established, its queue empty',
          async () => {
            const metrics = await operatorMetrics(kubeConfig, newPod);
            return metricValue(metrics, 'gefyra_operator_active_intercepts') === INTERCEPTS.length &&
              metricValue(metrics, 'gefyra_operator_queue_depth') === 0
              ? true
              : undefined;
          },
          { timeoutMs: 120_000, intervalMs: 1_000 },
        );
        figure(`rolling update -> new leader serving both intercepts ${seconds(updatedAt)} s`);
      } finally {
        await requests.stop();
      }
      expect(changedVersions(requests.seen, before)).toEqual([]);
      expect(await interceptStates()).toEqual(before);
      expect(await stowawayContainer(kubeConfig)).toEqual(stowawayBefore);
      for (const state of before) expect(await upstreamsInCarrier(state.pod)).toHaveLength(1);
      const pods = await operatorPods(kubeConfig, NAMESPACE);
      expect(pods.map(describePod)).toEqual([`${newPod} Running, restarts 0, ${image.configDigest}`]);
      await answeredByDeveloper('after the rolling update');
      const log = await kubeConfig
        .makeApiClient(CoreV1Api)
        .readNamespacedPodLog({ namespace: NAMESPACE, name: newPod });
      figure(
        `new leader's log: ${log.split('\n').filter((line) => /warn|error/i.test(line)).length} warning/error lines`,
      );
    },
    600_000,
  );

  it(
    'a restart of the node’s kubelet and containerd: the pods come back, every request is established again, ' +
      'Carrier configured from what the cluster holds where it restarted, traffic reaching the developer again',
    async () => {
      const before = await interceptStates();
      const connectionBefore = await readCargoConnection(kubeConfig, NAMESPACE);
      const requests = recordObjects(kubeConfig, { ...INTERCEPT_REQUEST, namespace: NAMESPACE });
      const restartedAt = Date.now();
      try {
        await requests.synced;
        const restart = await node.restartKubeletAndContainerd();
        figure(
          `node restart: kubelet and containerd stopped ${restart.stoppedSeconds.toFixed(1)} s, containerd back ` +
            `${restart.containerdSeconds.toFixed(1)} s, kubelet healthy ${restart.kubeletHealthySeconds.toFixed(1)} s`,
        );
        const core = kubeConfig.makeApiClient(CoreV1Api);
        await pollUntil(
          'every pod of gefyra and shop Ready again',
          async () => {
            const pods = [
              ...(await core.listNamespacedPod({ namespace: NAMESPACE })).items,
              ...(await core.listNamespacedPod({ namespace: SHOP })).items,
            ];
            throwIfStuck(pods);
            return pods.every(isReady) ? true : undefined;
          },
          { timeoutMs: 240_000, intervalMs: 1_000 },
        );
        figure(`node restart -> every pod Ready ${seconds(restartedAt)} s`);
        for (const { app } of INTERCEPTS) await waitForEstablished(kubeConfig, requestOf(app), { timeoutMs: 180_000 });
        figure(`node restart -> intercepts established ${seconds(restartedAt)} s`);
        const connectionAfter = await readCargoConnection(kubeConfig, NAMESPACE);
        if (connectionAfter['Peer.PublicKey'] !== connectionBefore['Peer.PublicKey']) {
          // Stowaway restarted with new keys (the real image keeps none across containers): the client connects anew.
          figure('Stowaway has new keys: the developer machine reconnects with the new connection Secret');
          await machine?.stop();
          machine = await connectDeveloper(node, kubeConfig);
        }
        await answeredByDeveloper('after the node restart', 180_000);
        figure(`node restart -> traffic back ${seconds(restartedAt)} s`);
      } finally {
        await requests.stop();
      }
      const after = await interceptStates();
      figure(
        `node restart: Carrier containers restarted: ${
          after
            .filter((state, index) => state.containerID !== before[index]?.containerID)
            .map((state) => state.pod)
            .join(', ') || 'none'
        }; request versions seen ${requests.seen.length}; phases seen ${[
          ...new Set(requests.seen.map((request) => statusOf(request).phase)),
        ].join(', ')}`,
      );
      // The same requests (never deleted and made again), on the same pods, Carrier still in place.
      expect(after.map(({ request, uid, pod, image: running }) => ({ request, uid, pod, image: running }))).toEqual(
        before.map(({ request, uid, pod, image: running }) => ({ request, uid, pod, image: running })),
      );
      expect(requests.seen.filter((request) => request.metadata.deletionTimestamp !== undefined)).toEqual([]);
      expect(requests.seen.map((request) => statusOf(request).phase)).not.toContain('Failed');
      // Configured once per container instance, whichever instance runs now.
      for (const state of after) expect(await upstreamsInCarrier(state.pod)).toHaveLength(1);
    },
    600_000,
  );

  it('leaves the host as it found it: iptables, sysctls, mounts, cgroups, network links, default paths', async () => {
    await machine?.stop();
    await started?.stop();
    expect(hostStateChanges(hostBefore, await captureHostState())).toEqual([]);
  }, 120_000);

  const podOf = (app: string): string => intercepted.get(app)?.pod as string;
  const requestOf = (app: string): string => intercepted.get(app)?.request as string;

  async function interceptStates(): Promise<InterceptState[]> {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const missing = INTERCEPTS.filter(({ app }) => !requestOf(app)).map(({ app }) => app);
    if (missing.length > 0) throw new Error(`no intercept of ${missing.join(', ')}: the first test did not make it`);
    const states: InterceptState[] = [];
    for (const { app } of INTERCEPTS) {
      const request = await readRequest(kubeConfig, requestOf(app));
      const pod = await core.readNamespacedPod({ namespace: SHOP, name: podOf(app) });
      const container = pod.status?.containerStatuses?.find((status) => status.name === 'web');
      states.push({
        request: requestOf(app),
        uid: request.metadata.uid as string,
        established: request['established'],
        status: request['status'],
        pod: podOf(app),
        image: pod.spec?.containers.find((candidate) => candidate.name === 'web')?.image,
        containerID: container?.containerID,
        restartCount: container?.restartCount,
      });
    }
    return states;
  }

  /** Each intercepted Service answers the developer's machine, on the port its request maps to. */
  async function answeredByDeveloper(when: string, timeoutMs?: number): Promise<void> {
    for (const { app, destinationPort } of INTERCEPTS) {
      await waitForDemoAnswer(
        kubeConfig,
        SHOP,
        app,
        developerBody(destinationPort),
        `the developer's machine answering ${app} ${when}`,
        timeoutMs,
      );
    }
  }

  /** The `upstream stowaway-8080` blocks setroute.sh wrote in the pod's Carrier: one when configured once. */
  async function upstreamsInCarrier(pod: string): Promise<string[]> {
    const config = await execIn(kubeConfig, { namespace: SHOP, pod, container: 'web' }, [
      'cat',
      '/etc/nginx/nginx.conf',
    ]);
    return (
      config.match(/upstream stowaway-8080 \{server gefyra-stowaway-proxy-\d+\.gefyra\.svc\.cluster\.local:\d+;\}/g) ??
      []
    );
  }
});

/** The developer's machine, connected with the current connection Secret, serving each intercept's port. */
async function connectDeveloper(node: RealNode, kubeConfig: KubeConfig): Promise<DeveloperNamespace> {
  const connectedAt = Date.now();
  const machine = await startDeveloperNamespace(
    node,
    await readCargoConnection(kubeConfig, NAMESPACE),
    INTERCEPTS.map(({ destinationPort }) => ({ port: destinationPort, body: developerBody(destinationPort) })),
    join(node.logDir, `developer-machine-${connectedAt}.log`),
  );
  try {
    await pollUntil(
      "the developer machine's first WireGuard handshake with Stowaway (through its NodePort)",
      async () => ((await machine.latestHandshake()) > 0 ? true : undefined),
      { timeoutMs: 60_000, intervalMs: 250 },
    );
  } catch (error) {
    await machine.stop();
    throw error;
  }
  figure(`developer machine connected in ${seconds(connectedAt)} s`);
  return machine;
}

async function readRequest(kubeConfig: KubeConfig, name: string): Promise<Manifest> {
  return (await kubeConfig.makeApiClient(CustomObjectsApi).getNamespacedCustomObject({
    group: 'gefyra.dev',
    version: 'v1',
    namespace: NAMESPACE,
    plural: 'interceptrequests',
    name,
  })) as Manifest;
}

/** Versions of the requests seen while watching whose `established` or status differ from `before`. */
function changedVersions(seen: readonly Manifest[], before: readonly InterceptState[]): string[] {
  return seen.flatMap((request) => {
    const was = before.find((state) => state.request === request.metadata.name);
    const same =
      was !== undefined &&
      JSON.stringify(request['status']) === JSON.stringify(was.status) &&
      request['established'] === was.established;
    return same
      ? []
      : [
          `${request.metadata.name}: established ${String(request['established'])}, ${JSON.stringify(request['status'])}`,
        ];
  });
}

/** Stowaway's pod and container instance: the tunnel runs on, untouched, when they are the same. */
async function stowawayContainer(kubeConfig: KubeConfig): Promise<{ pod?: string; containerID?: string }> {
  const [pod] = (
    await kubeConfig.makeApiClient(CoreV1Api).listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=stowaway' })
  ).items;
  return { pod: pod?.metadata?.uid, containerID: pod?.status?.containerStatuses?.[0]?.containerID };
}

/** A pod's name, phase (with the kubelet's reason), its container's restarts and image, in one line. */
function describePod(pod: V1Pod): string {
  const status = pod.status?.containerStatuses?.[0];
  const reason = pod.status?.reason === undefined ? '' : ` (${pod.status.reason}: ${pod.status.message ?? ''})`;
  return `${pod.metadata?.name} ${pod.status?.phase}${reason}, restarts ${status?.restartCount}, ${status?.imageID}`;
}

function isReady(pod: V1Pod): boolean {
  return (
    pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true
  );
}

function readyPod(pods: readonly V1Pod[]): V1Pod | undefined {
  return pods.find((pod) => pod.metadata?.deletionTimestamp === undefined && isReady(pod));
}

/** The operator's /metrics, read inside its pod (port 8080 is not published). */
async function operatorMetrics(kubeConfig: KubeConfig, pod: string): Promise<string> {
  return await execIn(kubeConfig, { namespace: NAMESPACE, pod, container: 'operator' }, [
    'node',
    '-e',
    `fetch('http://127.0.0.1:8080/metrics').then(async (r) => process.stdout.write(await r.text()))`,
  ]);
}

/** The value of an unlabelled metric in Prometheus' text format; undefined when it is not reported. */
function metricValue(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}

// The real-node tier: the operator's image (npm run image) as a pod from deploy/
// on a real kubelet, containerd and kube-proxy (test/support/real-node). Skipped
// with one line where the machine cannot run the node (no root, no cgroup v1,
// packages missing); the rest of the suite never needs it.
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Namespace,
  type V1Pod,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOperatorImage, type BuiltImage } from '../../scripts/image/build-operator-image.js';
import { OPERATOR_IMAGE_RECIPE } from '../../scripts/image/recipe.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../src/crd/intercept-request-crd.js';
import {
  CLIENT_CLUSTER_ROLE_RULES,
  CLIENT_NAMES,
  CLIENT_OPERATOR_IMAGE,
  createClientObjects,
  removeAsClient,
} from '../e2e/support/client-installation.js';
import { recordObjects, waitForGone } from '../e2e/support/cluster-waits.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  waitForEstablished,
} from '../e2e/support/intercept-requests.js';
import { CLIENT_PEER_SUBNET_ENV } from '../support/client-network.js';
import { developerBody } from '../support/control-plane/data-plane/developer-machine.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { readCargoConnection, startDeveloperNamespace } from '../support/real-node/developer-namespace.js';
import { captureHostState, hostStateChanges, type HostState } from '../support/real-node/host-state.js';
import { createAll, deleteAll, DEPLOY_DIR, kustomizationObjects } from '../support/real-node/kustomization.js';
import {
  provisionRealNode,
  removeStaleCgroupRoots,
  startRealNode,
  type RealNode,
} from '../support/real-node/real-node.js';
import {
  buildStandInArchives,
  execIn,
  operatorContainer as operatorContainerIn,
  operatorPods as operatorPodsIn,
  throwIfStuck,
  withOperatorEnvironment,
  type ContainerRef,
} from '../support/real-node/operator-on-node.js';
import {
  CARRIER_IMAGE,
  DEMO_APP_IMAGE,
  DEMO_APP_PORT,
  demoAppBody,
  STOWAWAY_IMAGE,
} from '../support/real-node/stand-in-images.js';

const provisioned = await provisionRealNode();
const unavailable = 'unavailable' in provisioned ? provisioned.unavailable : undefined;
if (unavailable !== undefined) process.stderr.write(`[real-node] tier skipped: ${unavailable}\n`);

const NAMESPACE = 'gefyra';
const figure = (line: string): void => void process.stderr.write(`[real-node] ${line}\n`);

describe.skipIf(unavailable !== undefined)('the operator image as a pod on a real node', () => {
  let hostBefore: HostState;
  let node: RealNode | undefined;
  let image: BuiltImage;
  let kubeConfig: KubeConfig;
  const standInDir = join(tmpdir(), `gefyra-stand-in-images-${process.pid}`);

  beforeAll(async () => {
    await removeStaleCgroupRoots();
    hostBefore = await captureHostState();
    const binDir = (provisioned as { binDir: string }).binDir;
    let standIns: { archives: string[]; seconds: number };
    [image, node, standIns] = await Promise.all([
      buildOperatorImage({ progress: () => undefined }),
      startRealNode(binDir),
      buildStandInArchives(standInDir),
    ]);
    figure(
      `image built in ${image.seconds.toFixed(1)} s (${image.manifestDigest}); control plane in the namespace ` +
        `${node.figures.controlPlaneSeconds.toFixed(1)} s; kubelet start -> node Ready ${node.figures.nodeReadySeconds.toFixed(1)} s; ` +
        `stand-ins (${STOWAWAY_IMAGE}, ${CARRIER_IMAGE}) and the demo app (${DEMO_APP_IMAGE}) built in ${standIns.seconds.toFixed(1)} s`,
    );
    const importedAt = Date.now();
    for (const archive of [image.archivePath, ...standIns.archives]) await node.importImage(archive);
    figure(`four images imported into containerd in ${((Date.now() - importedAt) / 1000).toFixed(1)} s`);
    kubeConfig = node.adminKubeConfig();
  }, 900_000);

  afterAll(async () => {
    await node?.stop();
    await rm(standInDir, { recursive: true, force: true });
  }, 120_000);

  it(
    'kubectl apply -k deploy/: the pod runs the image as non-root on a read-only root, ' +
      'the kubelet’s liveness probe passes, and it reaches the API server in-cluster',
    async () => {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const appliedAt = Date.now();
      // With the network a 0.13 client's `gefyra up` passes (GEFYRA_PEER_SUBNET): the intercept test below needs it.
      await createAll(
        kubeConfig,
        withOperatorEnvironment(await kustomizationObjects(DEPLOY_DIR, image.reference), CLIENT_PEER_SUBNET_ENV),
      );

      const pod = await pollUntil(
        'the operator pod running',
        async () => {
          const pods = await operatorPods(kubeConfig);
          const running = pods.find((p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
          if (running === undefined) throwIfStuck(pods);
          return running;
        },
        { timeoutMs: 180_000, intervalMs: 500 },
      );
      const podName = pod.metadata?.name as string;
      figure(`apply -> operator pod running ${((Date.now() - appliedAt) / 1000).toFixed(1)} s`);
      const status = pod.status?.containerStatuses?.[0];
      expect(status?.imageID).toBe(image.configDigest);

      // The kubelet's own probe counters (its /metrics/probes, through the API server's node proxy).
      await pollUntil(
        'a successful liveness probe by the kubelet',
        async () => {
          const metrics = await nodeProxyGet(kubeConfig, node?.nodeName as string, 'metrics/probes');
          return probeCount(metrics, podName, 'Liveness', 'successful') > 0 ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1_000 },
      );
      figure(`apply -> first successful liveness probe ${((Date.now() - appliedAt) / 1000).toFixed(1)} s`);

      const inside = JSON.parse(
        await execIn(kubeConfig, operatorContainer(podName), [
          'node',
          '-e',
          `const fs = require('node:fs'); let root = 'writable';
         try { fs.writeFileSync('/written-by-test', 'x'); } catch (error) { root = error.code; }
         console.log(JSON.stringify({ uid: process.getuid(), gid: process.getgid(), root,
           host: process.env.KUBERNETES_SERVICE_HOST, node: process.versions.node, cwd: process.cwd() }));`,
        ]),
      ) as { uid: number; gid: number; root: string; host: string; node: string; cwd: string };
      expect(inside).toMatchObject({ uid: 65532, gid: 65532, root: 'EROFS', cwd: OPERATOR_IMAGE_RECIPE.workdir });
      expect(inside.node.split('.')[0]).toBe(String(OPERATOR_IMAGE_RECIPE.nodeMajor));

      // In-cluster configuration: the pod's ServiceAccount, through the `kubernetes` Service (kube-proxy's DNAT).
      const lease = await pollUntil(
        'the operator holding its Lease',
        async () => {
          const found = await kubeConfig
            .makeApiClient(CoordinationV1Api)
            .readNamespacedLease({ namespace: NAMESPACE, name: 'gefyra-operator' })
            .catch(() => undefined);
          return found?.spec?.holderIdentity === podName ? found : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 500 },
      );
      expect(lease.spec?.holderIdentity).toBe(podName);
      const current = await core.readNamespacedPod({ namespace: NAMESPACE, name: podName });
      expect(current.status?.containerStatuses?.[0]?.restartCount).toBe(0);

      const readyz = await execIn(kubeConfig, operatorContainer(podName), [
        'node',
        '-e',
        `fetch('http://127.0.0.1:8080/readyz').then(async (r) => console.log(r.status, (await r.text()).trim()))`,
      ]);
      const stowaway = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=stowaway' });
      const waiting = stowaway.items[0]?.status?.containerStatuses?.[0]?.state?.waiting;
      figure(
        `operator Ready: ${current.status?.conditions?.find((c) => c.type === 'Ready')?.status}; /readyz ${readyz.trim()}; ` +
          `Stowaway pod: ${stowaway.items[0]?.metadata?.name ?? 'none'} ${waiting?.reason ?? stowaway.items[0]?.status?.phase ?? ''}`,
      );
    },
  );

  it('boots Stowaway (its stand-in) and becomes Ready through the kubelet’s readiness probe', async () => {
    const core = kubeConfig.makeApiClient(CoreV1Api);
    const startedAt = Date.now();
    const ready = await pollUntil(
      'the operator pod Ready',
      async () => {
        return (await operatorPods(kubeConfig)).find((p) =>
          p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
        );
      },
      { timeoutMs: 240_000, intervalMs: 1_000 },
    );
    figure(`operator pod Ready ${((Date.now() - startedAt) / 1000).toFixed(1)} s after the first test`);
    const podName = ready.metadata?.name as string;
    const metrics = await nodeProxyGet(kubeConfig, node?.nodeName as string, 'metrics/probes');
    expect(probeCount(metrics, podName, 'Readiness', 'successful')).toBeGreaterThan(0);
    const stowaway = await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=stowaway' });
    expect(stowaway.items[0]?.status?.containerStatuses?.[0]?.ready).toBe(true);
  }, 300_000);

  it('resolves Service names through the cluster DNS stand-in, and no others', async () => {
    const podName = (await operatorPods(kubeConfig))[0]?.metadata?.name as string;
    const lookup = async (name: string): Promise<string> =>
      await execIn(kubeConfig, operatorContainer(podName), [
        'node',
        '-e',
        `require('node:dns').promises.lookup(${JSON.stringify(name)}).then((a) => console.log(a.address), (e) => console.log(e.code))`,
      ]);
    expect((await lookup('kubernetes.default.svc.cluster.local')).trim()).toBe('10.0.0.1');
    expect((await lookup('kubernetes.default')).trim()).toBe('10.0.0.1');
    expect((await lookup('no-such-service.default.svc.cluster.local')).trim()).toBe('ENOTFOUND');
  });

  it(
    'an intercept of a real pod delivers traffic from the developer’s machine through Stowaway and Carrier ' +
      '(a Service by its DNS name, kube-proxy), and deleting it restores the original container’s answers',
    async () => {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const shop = 'shop';
      await core.createNamespace({ body: { metadata: { name: shop } } });
      await createDemoApp(kubeConfig, shop);
      const demo = await pollUntil(
        'the demo app and its client running',
        async () => {
          const pods = (await core.listNamespacedPod({ namespace: shop })).items;
          throwIfStuck(pods);
          const running = pods.filter((p) => p.status?.containerStatuses?.[0]?.state?.running !== undefined);
          return running.length === 2 ? running.find((p) => p.metadata?.labels?.['app'] === 'demo') : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 500 },
      );
      const demoPod = demo.metadata?.name as string;
      const client: ContainerRef = { namespace: shop, pod: 'client', container: 'client' };
      // busybox wget without -T (it crashes in these pods); `timeout` ends a request nobody answers.
      const url = `http://demo.${shop}.svc.cluster.local:${DEMO_APP_PORT}/`;
      const ask = async (): Promise<string> =>
        (await execIn(kubeConfig, client, ['timeout', '5', 'wget', '-q', '-O', '-', url]).catch(() => '')).trim();
      const answered = async (what: string, body: string): Promise<void> => {
        await pollUntil(what, async () => ((await ask()) === body ? true : undefined), {
          timeoutMs: 90_000,
          intervalMs: 1_000,
        });
      };
      await answered('the demo app answering through its Service', demoAppBody(demoPod));

      const connectedAt = Date.now();
      const machine = await startDeveloperNamespace(
        node as RealNode,
        await readCargoConnection(kubeConfig, NAMESPACE),
        { port: 8000, body: developerBody(8000) },
        join((node as RealNode).logDir, 'developer-machine.log'),
      );
      try {
        await pollUntil(
          "the developer machine's first WireGuard handshake with Stowaway (through its NodePort)",
          async () => ((await machine.latestHandshake()) > 0 ? true : undefined),
          { timeoutMs: 60_000, intervalMs: 250 },
        );
        figure(`developer machine connected in ${((Date.now() - connectedAt) / 1000).toFixed(1)} s`);

        const target = { namespace: shop, pod: demoPod, container: 'web' };
        const requestedAt = Date.now();
        await createInterceptRequest(kubeConfig, target, { portMappings: [`${DEMO_APP_PORT}:8000`] });
        await waitForEstablished(kubeConfig, clientRequestName(target), { timeoutMs: 180_000 });
        figure(`InterceptRequest established in ${((Date.now() - requestedAt) / 1000).toFixed(1)} s`);
        await answered("the developer's machine answering through the intercept", developerBody(8000));
        figure(`created -> developer's answer ${((Date.now() - requestedAt) / 1000).toFixed(1)} s`);
        const intercepted = await core.readNamespacedPod({ namespace: shop, name: demoPod });
        expect(intercepted.spec?.containers[0]?.image).toBe(CARRIER_IMAGE);
        // setroute.sh ran once in Carrier: one upstream, to the route's proxy Service by its DNS name.
        const carrierConfig = await execIn(kubeConfig, target, ['cat', '/etc/nginx/nginx.conf']);
        expect(
          carrierConfig.match(
            /upstream stowaway-8080 \{server gefyra-stowaway-proxy-\d+\.gefyra\.svc\.cluster\.local:\d+;\}/g,
          ),
        ).toHaveLength(1);

        const deletedAt = Date.now();
        await deleteInterceptRequest(kubeConfig, clientRequestName(target), { timeoutMs: 180_000 });
        await answered("the original container's answer again", demoAppBody(demoPod));
        figure(`deleted -> original answer ${((Date.now() - deletedAt) / 1000).toFixed(1)} s`);
        const restored = await core.readNamespacedPod({ namespace: shop, name: demoPod });
        expect(restored.spec?.containers[0]?.image).toBe(DEMO_APP_IMAGE);
      } finally {
        await machine.stop();
      }
    },
    600_000,
  );

  it('kubectl delete -k deploy/ leaves nothing of it: its objects, the namespace with Stowaway and its proxies, nothing the operator made', async () => {
    const objects = await kustomizationObjects(DEPLOY_DIR, image.reference);
    const pods = recordObjects(kubeConfig, { apiVersion: 'v1', kind: 'Pod', namespace: NAMESPACE });
    const namespaces = recordObjects(kubeConfig, { apiVersion: 'v1', kind: 'Namespace' });
    const deletedAt = Date.now();
    try {
      await Promise.all([pods.synced, namespaces.synced]);
      await deleteAll(kubeConfig, objects);
      await waitForGone(kubeConfig, { apiVersion: 'v1', kind: 'Namespace', name: NAMESPACE }, 180_000);
    } finally {
      await Promise.all([pods.stop(), namespaces.stop()]);
    }
    figure(
      `delete -k deploy/ -> namespace gone ${((Date.now() - deletedAt) / 1000).toFixed(1)} s; ${podEnds(pods.seen)}; ` +
        `what the namespace waited for: ${terminationConditions(namespaces.seen, NAMESPACE)}`,
    );
    expect(killedAfterGrace(pods.seen)).toEqual([]);
    const api = new KubernetesClusterApi(kubeConfig, 'gefyra-real-node-test');
    const left = [];
    for (const object of objects) {
      const { apiVersion, kind, metadata } = object as Required<KubernetesObject>;
      const ref = { apiVersion, kind, name: metadata.name as string, namespace: metadata.namespace };
      if ((await api.find(ref, never)) !== undefined) left.push(`${kind} ${ref.name}`);
    }
    expect(left).toEqual([]);
    expect(await inNamespaceAnywhere(kubeConfig, NAMESPACE)).toEqual([]);
    expect(await managedClusterObjects(api)).toEqual([]);
  }, 240_000);

  it(
    'the Gefyra 0.13 client’s install (its objects, our image under its image name) brings the operator up ' +
      'under the client’s RBAC: Gefyra-Ready, the cargo connection Secret, Stowaway ready, nothing forbidden',
    async () => {
      await (node as RealNode).tagImage(image.reference, CLIENT_OPERATOR_IMAGE);
      const installedAt = Date.now();
      await createClientObjects(kubeConfig, NAMESPACE, CLIENT_OPERATOR_IMAGE, {
        rules: CLIENT_CLUSTER_ROLE_RULES,
        replicas: 1,
      });
      const events = recordObjects(kubeConfig, { apiVersion: 'v1', kind: 'Event', namespace: NAMESPACE });
      try {
        await events.synced;
        // What the client waits for, with no time-out, before it reads the Secret.
        await pollUntil(
          'a Gefyra-Ready Event',
          async () => (events.seen.some((event) => event['reason'] === 'Gefyra-Ready') ? true : undefined),
          { timeoutMs: 240_000, intervalMs: 500 },
        );
      } finally {
        await events.stop();
      }
      figure(`client install -> Gefyra-Ready ${((Date.now() - installedAt) / 1000).toFixed(1)} s`);
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const [pod] = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=gefyra-operator' }))
        .items;
      expect(pod?.spec?.containers.map((container) => container.image)).toEqual([CLIENT_OPERATOR_IMAGE]);
      expect(pod?.status?.containerStatuses?.[0]).toMatchObject({
        imageID: image.configDigest,
        ready: true,
        restartCount: 0,
      });
      const secret = await core.readNamespacedSecret({ namespace: NAMESPACE, name: 'gefyra-cargo-connection' });
      // The client decodes every value as UTF-8 and writes Interface.Address and Interface.DNS into Cargo.
      const data = Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString('utf8')]),
      );
      expect(Object.keys(data)).toEqual(
        expect.arrayContaining(['Interface.Address', 'Interface.DNS', 'Peer.Endpoint']),
      );
      // Gefyra-Ready follows Stowaway's readiness (the 0.13 operator's Deployment `gefyra-stowaway`).
      const stowaway = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=stowaway' })).items;
      expect(stowaway.map((found) => found.status?.containerStatuses?.[0]?.ready)).toEqual([true]);
      expect(stowaway[0]?.spec?.containers[0]?.image).toBe(STOWAWAY_IMAGE);
      const log = await core.readNamespacedPodLog({ namespace: NAMESPACE, name: pod?.metadata?.name as string });
      expect(log.split('\n').filter((line) => /forbidden/i.test(line))).toEqual([]);
    },
    300_000,
  );

  it(
    '`gefyra down`’s deletions, in its order, leave nothing: the operator removes its CRD ' +
      'within the client’s 5 s; no CRD, RBAC, webhook, namespace or pod of Gefyra is left',
    async () => {
      const pods = recordObjects(kubeConfig, { apiVersion: 'v1', kind: 'Pod', namespace: NAMESPACE });
      const api = new KubernetesClusterApi(kubeConfig, 'gefyra-client');
      const downAt = Date.now();
      try {
        await pods.synced;
        for (const request of await api.list(INTERCEPT_REQUEST_KIND, NAMESPACE, undefined, never))
          await api.remove({ ...INTERCEPT_REQUEST_KIND, namespace: NAMESPACE, name: request.metadata.name }, never);
        await removeAsClient(
          node as RealNode,
          NAMESPACE,
          // The client's literal `time.sleep(5)` between the Deployment and the rest.
          async () => await new Promise((resolve) => setTimeout(resolve, 5_000)),
          180_000,
        );
      } finally {
        await pods.stop();
      }
      figure(`gefyra down -> namespace gone ${((Date.now() - downAt) / 1000).toFixed(1)} s`);
      figure(`gefyra down: ${podEnds(pods.seen)}`);
      // Each pod stopped on SIGTERM (the operator and Stowaway), none killed when its grace period ran out.
      expect(killedAfterGrace(pods.seen)).toEqual([]);
      const left = [];
      for (const ref of [
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: INTERCEPT_REQUEST_CRD_NAME },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: CLIENT_NAMES.clusterRole },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          name: CLIENT_NAMES.clusterRoleBinding,
        },
        { apiVersion: 'v1', kind: 'Namespace', name: NAMESPACE },
      ]) {
        if ((await api.find(ref, never)) !== undefined) left.push(`${ref.kind} ${ref.name}`);
      }
      expect(left).toEqual([]);
      expect(await inNamespaceAnywhere(kubeConfig, NAMESPACE)).toEqual([]);
      expect(await managedClusterObjects(api)).toEqual([]);
    },
    300_000,
  );

  it('leaves the host as it found it: iptables, sysctls, mounts, cgroups, network links, default paths', async () => {
    await node?.stop();
    expect(hostStateChanges(hostBefore, await captureHostState())).toEqual([]);
  }, 120_000);
});

const never = new AbortController().signal;
const INTERCEPT_REQUEST_KIND = { apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest' } as const;

/** Cluster-scoped objects the operator labels as its own (what an uninstall must not leave behind). */
async function managedClusterObjects(api: KubernetesClusterApi): Promise<string[]> {
  const left: string[] = [];
  for (const kind of [
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' },
    { apiVersion: 'v1', kind: 'Namespace' },
  ]) {
    const found = await api.list(kind, undefined, { 'app.kubernetes.io/managed-by': 'gefyra-operator' }, never);
    left.push(...found.map((object) => `${kind.kind} ${object.metadata.name}`));
  }
  return left;
}

/** How each recorded pod's containers ended, as far as the kubelet reported it before the pod was gone. */
function podEnds(seen: readonly Manifest[]): string {
  const last = new Map<string, V1Pod>();
  for (const pod of seen) last.set(pod.metadata.name, pod as unknown as V1Pod);
  return [...last]
    .map(([name, pod]) => {
      const ends = (pod.status?.containerStatuses ?? []).map((status) => {
        const terminated = status.state?.terminated;
        return terminated === undefined
          ? `${status.name} not reported`
          : `${status.name} ${terminated.reason} ${terminated.exitCode}`;
      });
      return `${name} (grace ${pod.metadata?.deletionGracePeriodSeconds ?? '-'} s): ${ends.join(', ')}`;
    })
    .join('; ');
}

/** The namespace controller's reasons while `namespace` terminated (its True conditions, each once). */
function terminationConditions(seen: readonly Manifest[], namespace: string): string {
  const reasons = seen
    .filter((object) => object.metadata.name === namespace)
    .flatMap((object) => (object as unknown as V1Namespace).status?.conditions ?? [])
    .filter((condition) => condition.status === 'True')
    .map((condition) => `${condition.reason}: ${condition.message}`);
  return [...new Set(reasons)].join(' | ') || 'nothing reported';
}

/** Containers the kubelet reported killed (137: SIGKILL) rather than ended on SIGTERM. */
function killedAfterGrace(seen: readonly Manifest[]): string[] {
  return seen.flatMap((pod) =>
    ((pod as unknown as V1Pod).status?.containerStatuses ?? [])
      .filter((status) => status.state?.terminated?.exitCode === 137)
      .map((status) => `${pod.metadata.name}/${status.name}`),
  );
}

/** Pods and Services still in `namespace`, looked up across the cluster (Stowaway, its proxies, the operator). */
async function inNamespaceAnywhere(kubeConfig: KubeConfig, namespace: string): Promise<string[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const selector = { fieldSelector: `metadata.namespace=${namespace}` };
  return [
    ...(await core.listPodForAllNamespaces(selector)).items.map((pod) => `Pod ${pod.metadata?.name}`),
    ...(await core.listServiceForAllNamespaces(selector)).items.map((service) => `Service ${service.metadata?.name}`),
  ];
}

/** The workload to intercept (a Deployment `demo` and its Service) and a pod that asks it (`client`). */
async function createDemoApp(kubeConfig: KubeConfig, namespace: string): Promise<void> {
  const labels = { app: 'demo' };
  const container = { image: DEMO_APP_IMAGE, imagePullPolicy: 'Never' };
  await kubeConfig.makeApiClient(AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'demo', labels },
      spec: {
        replicas: 1,
        selector: { matchLabels: labels },
        template: {
          metadata: { labels },
          spec: {
            containers: [{ ...container, name: 'web', ports: [{ containerPort: DEMO_APP_PORT, protocol: 'TCP' }] }],
          },
        },
      },
    },
  });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespacedService({
    namespace,
    body: {
      metadata: { name: 'demo' },
      spec: { selector: labels, ports: [{ port: DEMO_APP_PORT, targetPort: DEMO_APP_PORT, protocol: 'TCP' }] },
    },
  });
  await core.createNamespacedPod({
    namespace,
    body: {
      metadata: { name: 'client', labels: { app: 'client' } },
      spec: { containers: [{ ...container, name: 'client', command: ['sleep', '3600'] }] },
    },
  });
}

async function nodeProxyGet(kubeConfig: KubeConfig, nodeName: string, path: string): Promise<string> {
  return await kubeConfig.makeApiClient(CoreV1Api).connectGetNodeProxyWithPath({ name: nodeName, path });
}

/** prober_probe_total for one pod, probe type and result (Prometheus text format). */
function probeCount(metrics: string, pod: string, probeType: string, result: string): number {
  return metrics
    .split('\n')
    .filter(
      (line) =>
        line.startsWith('prober_probe_total{') &&
        line.includes(`pod="${pod}"`) &&
        line.includes(`probe_type="${probeType}"`) &&
        line.includes(`result="${result}"`),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

async function operatorPods(kubeConfig: KubeConfig): Promise<V1Pod[]> {
  return await operatorPodsIn(kubeConfig, NAMESPACE);
}

function operatorContainer(pod: string): ContainerRef {
  return operatorContainerIn(NAMESPACE, pod);
}

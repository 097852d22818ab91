// The real-node tier: the operator's image (npm run image) as a pod from deploy/
// on a real kubelet, containerd and kube-proxy (test/support/real-node). Skipped
// with one line where the machine cannot run the node (no root, no cgroup v1,
// packages missing); the rest of the suite never needs it.
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { CoordinationV1Api, CoreV1Api, Exec, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOperatorImage, type BuiltImage } from '../../scripts/image/build-operator-image.js';
import { OPERATOR_IMAGE_RECIPE } from '../../scripts/image/recipe.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { captureHostState, hostStateChanges, type HostState } from '../support/real-node/host-state.js';
import { createAll, DEPLOY_DIR, kustomizationObjects } from '../support/real-node/kustomization.js';
import {
  provisionRealNode,
  removeStaleCgroupRoots,
  startRealNode,
  type RealNode,
} from '../support/real-node/real-node.js';
import { buildStowawayStandIn, STOWAWAY_IMAGE } from '../support/real-node/stand-in-images.js';

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

  beforeAll(async () => {
    await removeStaleCgroupRoots();
    hostBefore = await captureHostState();
    const binDir = (provisioned as { binDir: string }).binDir;
    [image, node] = await Promise.all([buildOperatorImage({ progress: () => undefined }), startRealNode(binDir)]);
    figure(
      `image built in ${image.seconds.toFixed(1)} s (${image.manifestDigest}); control plane in the namespace ` +
        `${node.figures.controlPlaneSeconds.toFixed(1)} s; kubelet start -> node Ready ${node.figures.nodeReadySeconds.toFixed(1)} s`,
    );
    const importedAt = Date.now();
    await node.importImage(image.archivePath);
    figure(`image imported into containerd in ${((Date.now() - importedAt) / 1000).toFixed(1)} s`);
    const standInAt = Date.now();
    const standIn = join(dirname(image.archivePath), 'stowaway-stand-in.oci.tar');
    await buildStowawayStandIn(standIn);
    await node.importImage(standIn);
    figure(
      `Stowaway stand-in (${STOWAWAY_IMAGE}) built and imported in ${((Date.now() - standInAt) / 1000).toFixed(1)} s`,
    );
    kubeConfig = node.adminKubeConfig();
  }, 900_000);

  afterAll(async () => await node?.stop(), 120_000);

  it(
    'kubectl apply -k deploy/: the pod runs the image as non-root on a read-only root, ' +
      'the kubelet’s liveness probe passes, and it reaches the API server in-cluster',
    async () => {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const appliedAt = Date.now();
      await createAll(kubeConfig, await kustomizationObjects(DEPLOY_DIR, image.reference));

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
        await execIn(kubeConfig, podName, [
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

      const readyz = await execIn(kubeConfig, podName, [
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
      await execIn(kubeConfig, podName, [
        'node',
        '-e',
        `require('node:dns').promises.lookup(${JSON.stringify(name)}).then((a) => console.log(a.address), (e) => console.log(e.code))`,
      ]);
    expect((await lookup('kubernetes.default.svc.cluster.local')).trim()).toBe('10.0.0.1');
    expect((await lookup('kubernetes.default')).trim()).toBe('10.0.0.1');
    expect((await lookup('no-such-service.default.svc.cluster.local')).trim()).toBe('ENOTFOUND');
  });

  it('leaves the host as it found it: iptables, sysctls, mounts, cgroups, network links, default paths', async () => {
    await node?.stop();
    expect(hostStateChanges(hostBefore, await captureHostState())).toEqual([]);
  }, 120_000);
});

async function operatorPods(kubeConfig: KubeConfig): Promise<V1Pod[]> {
  const pods = await kubeConfig
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/name=gefyra-operator' });
  return pods.items;
}

/** Fails at once on a pod the kubelet cannot start, with the kubelet's reason. */
function throwIfStuck(pods: readonly V1Pod[]): void {
  for (const pod of pods) {
    const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
    if (
      waiting?.reason !== undefined &&
      /ErrImageNeverPull|CreateContainerError|CrashLoopBackOff/.test(waiting.reason)
    ) {
      throw new Error(`pod ${pod.metadata?.name}: ${waiting.reason}: ${waiting.message ?? ''}`);
    }
  }
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

async function execIn(kubeConfig: KubeConfig, pod: string, command: string[]): Promise<string> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    void new Exec(kubeConfig)
      .exec(NAMESPACE, pod, 'operator', command, stdout, stderr, null, false, (status) =>
        status.status === 'Success' ? resolve() : reject(new Error(`exec failed: ${JSON.stringify(status)} ${err}`)),
      )
      .catch(reject);
  });
  return out;
}

// Resource limits on the real node: the operator's image as a pod from deploy/,
// with the Deployment's memory limit enforced by the kubelet's cgroup, holds
// 1,000 live intercepts. A real node cannot host 1,000 target pods (a kubelet
// runs about 110), so they run on a simulated node registered with the same
// API server, whose kubelet the API server reaches as any other (its exec
// calls answered as Carrier's scripts answer); Stowaway is the real node's
// stand-in. Memory figures come from the kubelet (Summary API, through the API
// server's node proxy) and from the container's cgroup the kubelet made.
import { CoreV1Api, type KubeConfig, type V1Deployment, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuiltImage } from '../../scripts/image/build-operator-image.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { recordObjects, waitForObjects } from '../e2e/support/cluster-waits.js';
import { INTERCEPT_REQUEST, postInterceptRequest, statusOf } from '../e2e/support/intercept-requests.js';
import { webContainer } from '../e2e/support/target-pods.js';
import { inParallel } from '../../bench/support/intercepts.js';
import { CLIENT_PEER_SUBNET_ENV } from '../support/client-network.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { clientBridgeBody } from '../support/intercept-request-fixtures.js';
import { isReady } from '../support/pod-conditions.js';
import {
  containerMemoryCgroup,
  kubeletMemory,
  mebibytes,
  memoryHierarchy,
  readCgroupMemory,
  sampleMemory,
  type MemorySample,
  type MemorySampler,
} from '../support/real-node/container-memory.js';
import { captureHostState, hostStateChanges, type HostState } from '../support/real-node/host-state.js';
import {
  createAll,
  DEPLOY_DIR,
  kustomizationObjects,
  withOperatorEnvironment,
} from '../support/real-node/kustomization.js';
import { execIn, operatorPods, throwIfStuck } from '../support/real-node/pod-checks.js';
import { startNodeWithImages, type NodeWithImages } from '../support/real-node/node-with-images.js';
import { provisionRealNode, type RealNode } from '../support/real-node/real-node.js';
import { startSimulatedNeighbour, type SimulatedNeighbour } from '../support/real-node/simulated-neighbour.js';
import { buildStowawayStandIn, STOWAWAY_IMAGE } from '../support/real-node/stand-in-images.js';

const provisioned = await provisionRealNode();
const unavailable = 'unavailable' in provisioned ? provisioned.unavailable : undefined;
if (unavailable !== undefined) process.stderr.write(`[real-node] tier skipped: ${unavailable}\n`);

/** The issue's figure. */
const INTERCEPTS = 1_000;
const NAMESPACE = 'gefyra';
const TARGETS = 'many-targets';
const NEIGHBOUR = 'simulated-neighbour';
const figure = (line: string): void => void process.stderr.write(`[real-node memory] ${line}\n`);
const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);

describe.skipIf(unavailable !== undefined)('the operator pod under its memory limit with 1,000 intercepts', () => {
  let started: NodeWithImages | undefined;
  let hostBefore: HostState;
  let node: RealNode;
  let neighbour: SimulatedNeighbour | undefined;
  let image: BuiltImage;
  let kubeConfig: KubeConfig;
  let limitBytes: number;

  beforeAll(async () => {
    started = await startNodeWithImages(
      (provisioned as { binDir: string }).binDir,
      [{ name: 'stowaway-stand-in', reference: STOWAWAY_IMAGE, build: buildStowawayStandIn }],
      figure,
    );
    ({ hostBefore, node, image, kubeConfig } = started);
    const objects = withOperatorEnvironment(
      await kustomizationObjects(DEPLOY_DIR, image.reference),
      CLIENT_PEER_SUBNET_ENV,
    );
    limitBytes = memoryLimitOf(objects.find((object) => object.kind === 'Deployment') as V1Deployment);
    await createAll(kubeConfig, objects);
    await pollUntil(
      'the operator pod Ready and Stowaway ready',
      async () => {
        const pods = await operatorPods(kubeConfig, NAMESPACE);
        throwIfStuck(pods);
        const stowaway = await kubeConfig
          .makeApiClient(CoreV1Api)
          .listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=stowaway' });
        return pods.some(isReady) && stowaway.items[0]?.status?.containerStatuses?.[0]?.ready === true
          ? true
          : undefined;
      },
      { timeoutMs: 300_000, intervalMs: 1_000 },
    );
    neighbour = await startSimulatedNeighbour(node, kubeConfig, { name: NEIGHBOUR, pods: INTERCEPTS + 10 });
  }, 900_000);

  afterAll(async () => {
    await neighbour?.stop().catch(() => undefined);
    await started?.stop();
  }, 180_000);

  it(
    `${INTERCEPTS} InterceptRequests as the 0.13 client posts them are all established; the operator container ` +
      'is never OOM-killed nor restarted, and its memory as the kubelet reports it stays under the limit',
    async () => {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const [operator] = (await operatorPods(kubeConfig, NAMESPACE)).filter(isReady);
      const operatorPod = operator?.metadata?.name as string;
      const target = { namespace: NAMESPACE, pod: operatorPod, container: 'operator' };
      const containerId = (operator?.status?.containerStatuses?.[0]?.containerID ?? '').replace(/^\w+:\/\//, '');
      const cgroupDir = await containerMemoryCgroup(
        await memoryHierarchy(),
        node.cgroupRoot,
        operator?.metadata?.uid as string,
        containerId,
      );
      if (cgroupDir === undefined) throw new Error(`no memory cgroup of the kubelet's for pod ${operatorPod}`);
      const operatorVersions = recordObjects(kubeConfig, { apiVersion: 'v1', kind: 'Pod', namespace: NAMESPACE });
      const sampler = sampleMemory({
        cgroup: async () => await readCgroupMemory(cgroupDir),
        kubelet: async () => await kubeletMemory(kubeConfig, node.nodeName, target),
        intervalMs: 2_000,
      });
      const startedAt = Date.now();
      try {
        await operatorVersions.synced;
        sampler.label('target pods');
        const pods = Array.from({ length: INTERCEPTS }, (_, index) => `target-${index}`);
        await createTargetNamespace(kubeConfig);
        await inParallel(pods, 16, async (pod) => await createPodOnNeighbour(core, pod));
        await waitForObjects(
          kubeConfig,
          { apiVersion: 'v1', kind: 'Pod', namespace: TARGETS },
          (all) => (all.filter((pod) => isReady(pod as unknown as V1Pod)).length >= INTERCEPTS ? true : undefined),
          { what: `${INTERCEPTS} target pods Ready on ${NEIGHBOUR}`, timeoutMs: 900_000 },
        );
        figure(`${INTERCEPTS} target pods Ready on the simulated node in ${seconds(startedAt)} s`);

        sampler.label('establishing');
        const requestedAt = Date.now();
        await inParallel(pods, 16, async (pod) => {
          const body = clientBridgeBody({ namespace: TARGETS, pod, container: 'web' }, { kind: 'pod', name: pod });
          await postInterceptRequest(kubeConfig, body, NAMESPACE);
        });
        figure(`${INTERCEPTS} InterceptRequests posted in ${seconds(requestedAt)} s`);
        const requests = await waitForAllEstablished(kubeConfig, (count) => {
          const last = sampler.samples.at(-1);
          figure(
            `${count} established after ${seconds(requestedAt)} s; working set now: kubelet ` +
              `${mebibytes(last?.kubelet?.workingSetBytes ?? NaN)} MiB, cgroup ${mebibytes(last?.cgroup?.workingSetBytes ?? NaN)} MiB`,
          );
        });
        const establishedSeconds = seconds(requestedAt);
        figure(`${INTERCEPTS} InterceptRequests established ${establishedSeconds} s after the first was posted`);

        // Steady state: every intercept live, nothing asked of the operator but its heartbeat and resyncs.
        sampler.label('steady');
        const steadyFrom = sampler.samples.length;
        await pollUntil(
          'twenty memory samples with every intercept established',
          async () => (sampler.samples.length - steadyFrom >= 20 ? true : undefined),
          { timeoutMs: 300_000, intervalMs: 1_000 },
        );
        await sampler.stop();

        const proxyPorts = new Set(
          requests.flatMap((request) => (statusOf(request).routes ?? []).map((r) => r.proxyPort)),
        );
        expect(proxyPorts.size).toBe(INTERCEPTS);
        // The real Stowaway (its stand-in) was given every route: one nginx server per proxy port.
        const stowaway = (await core.listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app=stowaway' }))
          .items[0]?.metadata?.name as string;
        // Read with cat and counted here: the image has no grep.
        const routesConf = await execIn(kubeConfig, { namespace: NAMESPACE, pod: stowaway, container: 'stowaway' }, [
          'cat',
          '/etc/nginx/stream.d/proxyroutes.conf',
        ]);
        expect(routesConf.split('\n').filter((line) => /\blisten \d+;/.test(line))).toHaveLength(INTERCEPTS);

        const final = await readCgroupMemory(cgroupDir);
        const current = await core.readNamespacedPod({ namespace: NAMESPACE, name: operatorPod });
        const status = current.status?.containerStatuses?.[0];
        expect({ restartCount: status?.restartCount, lastState: status?.lastState ?? {} }).toEqual({
          restartCount: 0,
          lastState: {},
        });
        // No version of any operator pod the kubelet reported shows a container that ended (OOMKilled or otherwise).
        expect(endedOperatorContainers(operatorVersions.seen)).toEqual([]);
        expect((await operatorPods(kubeConfig, NAMESPACE)).map((pod) => pod.metadata?.name)).toEqual([operatorPod]);
        expect(final.limitBytes).toBe(limitBytes);
        expect(final.oomKills).toBe(0);
        const sampled = sampler.samples.filter((sample) => sample.cgroup !== undefined);
        expect(sampled.length).toBeGreaterThan(0);
        expect(sampler.samples.some((sample) => sample.kubelet !== undefined)).toBe(true);
        expect(peak(sampler.samples, (sample) => sample.kubelet?.workingSetBytes)).toBeLessThan(limitBytes);
        expect(peak(sampler.samples, (sample) => sample.cgroup?.workingSetBytes)).toBeLessThan(limitBytes);
        figure(`whole test ${seconds(startedAt)} s`);
      } finally {
        await sampler.stop();
        await operatorVersions.stop();
        // The figures, also when an assertion failed (a restart, a time-out).
        report(sampler, await readCgroupMemory(cgroupDir).catch(() => undefined), limitBytes);
      }
    },
    3_600_000,
  );

  it('leaves the host as it found it: iptables, sysctls, mounts, cgroups, network links, default paths', async () => {
    await neighbour?.stop();
    await node.stop();
    expect(hostStateChanges(hostBefore, await captureHostState())).toEqual([]);
  }, 180_000);
});

function memoryLimitOf(deployment: V1Deployment): number {
  const limit = deployment.spec?.template.spec?.containers[0]?.resources?.limits?.['memory'];
  const match = /^(\d+)Mi$/.exec(limit ?? '');
  if (match === null) throw new Error(`deploy/'s operator has no memory limit in Mi (${limit})`);
  return Number(match[1]) * 2 ** 20;
}

async function createTargetNamespace(kubeConfig: KubeConfig): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name: TARGETS } } });
  // Pods are admitted only once the namespace's `default` ServiceAccount exists.
  await pollUntil(
    'the default ServiceAccount of the target namespace',
    async () => await core.readNamespacedServiceAccount({ namespace: TARGETS, name: 'default' }),
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

/** A pod bound to the simulated node by name, as the scheduler would bind it. */
async function createPodOnNeighbour(core: CoreV1Api, name: string): Promise<void> {
  await core.createNamespacedPod({
    namespace: TARGETS,
    body: {
      metadata: { name, labels: { app: 'web' } },
      spec: {
        nodeName: NEIGHBOUR,
        automountServiceAccountToken: false,
        containers: [webContainer()],
        terminationGracePeriodSeconds: 1,
      },
    },
  });
}

/** `progress` hears of every further hundred established. */
async function waitForAllEstablished(kubeConfig: KubeConfig, progress: (count: number) => void): Promise<Manifest[]> {
  let reported = 0;
  try {
    return await waitForObjects(
      kubeConfig,
      { ...INTERCEPT_REQUEST, namespace: NAMESPACE },
      (all) => {
        // `established` is written first, the status with its routes right after: both, or it is not done yet.
        const established = all.filter(
          (request) => request['established'] === true && statusOf(request).phase === 'Established',
        );
        if (established.length >= reported + 100)
          progress((reported = established.length - (established.length % 100)));
        return established.length >= INTERCEPTS ? established : undefined;
      },
      { what: `${INTERCEPTS} InterceptRequests established`, timeoutMs: 2_400_000 },
    );
  } catch (error) {
    const list = await kubeConfig
      .makeApiClient(CoreV1Api)
      .listNamespacedEvent({ namespace: NAMESPACE })
      .catch(() => undefined);
    const reasons = new Map<string, number>();
    for (const event of list?.items ?? []) reasons.set(`${event.reason}`, (reasons.get(`${event.reason}`) ?? 0) + 1);
    throw new Error(
      `${(error as Error).message.slice(0, 500)}; Events by reason: ${JSON.stringify(Object.fromEntries(reasons))}`,
      { cause: error },
    );
  }
}

/** Containers of operator pods that the kubelet reported ended (now or as their last state), with how. */
function endedOperatorContainers(seen: readonly Manifest[]): string[] {
  return seen.flatMap((object) => {
    const pod = object as unknown as V1Pod;
    if (pod.metadata?.labels?.['app.kubernetes.io/name'] !== 'gefyra-operator') return [];
    return (pod.status?.containerStatuses ?? []).flatMap((status) =>
      [status.state?.terminated, status.lastState?.terminated].flatMap((ended) =>
        ended === undefined ? [] : [`${pod.metadata?.name}/${status.name}: ${ended.reason} ${ended.exitCode}`],
      ),
    );
  });
}

function peak(samples: readonly MemorySample[], of: (sample: MemorySample) => number | undefined): number {
  return Math.max(...samples.flatMap((sample) => of(sample) ?? []));
}

function report(
  sampler: MemorySampler,
  final: Awaited<ReturnType<typeof readCgroupMemory>> | undefined,
  limit: number,
): void {
  const phases = [...new Set(sampler.samples.map((sample) => sample.label))];
  for (const phase of phases) {
    const samples = sampler.samples.filter((sample) => sample.label === phase);
    const kubelet = samples.flatMap((sample) => sample.kubelet?.workingSetBytes ?? []);
    const cgroup = samples.flatMap((sample) => sample.cgroup?.workingSetBytes ?? []);
    const rss = samples.flatMap((sample) => sample.kubelet?.rssBytes ?? []);
    const range = (values: number[]): string =>
      values.length === 0 ? 'none' : `${mebibytes(Math.min(...values))}–${mebibytes(Math.max(...values))}`;
    figure(
      `${phase} (${samples.length} samples): working set MiB, kubelet ${range(kubelet)}, cgroup ${range(cgroup)}; ` +
        `kubelet rss ${range(rss)}`,
    );
  }
  const steady = sampler.samples.filter((sample) => sample.label === 'steady');
  const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN;
  const errors = sampler.samples.filter((sample) => sample.error !== undefined);
  const cgroupEnd =
    final === undefined
      ? 'unread'
      : `${mebibytes(final.maxUsageBytes)} MiB, times at the limit ${final.failCount}, OOM kills ${final.oomKills}`;
  figure(
    `limit ${mebibytes(limit)} MiB; peak working set: kubelet ${mebibytes(peak(sampler.samples, (s) => s.kubelet?.workingSetBytes))} MiB, ` +
      `cgroup ${mebibytes(peak(sampler.samples, (s) => s.cgroup?.workingSetBytes))} MiB; steady (median): kubelet ` +
      `${mebibytes(median(steady.flatMap((s) => s.kubelet?.workingSetBytes ?? [])))} MiB, cgroup ` +
      `${mebibytes(median(steady.flatMap((s) => s.cgroup?.workingSetBytes ?? [])))} MiB; cgroup max usage (page cache ` +
      `included) ${cgroupEnd}; ` +
      `${errors.length} samples with errors${errors.length > 0 ? ` (last: ${errors.at(-1)?.error})` : ''}`,
  );
}

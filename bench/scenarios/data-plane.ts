import { CoreV1Api } from '@kubernetes/client-node';
import { SimulatedNode, type ControlPlane } from '../../test/support/control-plane/index.js';
import { dataPlaneUnavailableReason } from '../../test/support/control-plane/data-plane/availability.js';
import { originalBody } from '../../test/support/control-plane/data-plane/container-images.js';
import { DataPlane } from '../../test/support/control-plane/data-plane/data-plane.js';
import { developerBody } from '../../test/support/control-plane/data-plane/developer-machine.js';
import {
  installOperatorAccess,
  OPERATOR_NAMESPACE,
  removeOperatorInstallation,
} from '../../test/e2e/support/operator-access.js';
import { startOperatorProcess } from '../../test/e2e/support/operator-process.js';
import { pollUntil } from '../../test/support/control-plane/polling.js';
import { CLIENT_PEER_SUBNET_ENV } from '../../test/support/client-network.js';
import { timelines } from '../support/bench-context.js';
import { operatorNodeFlags } from '../support/bench-operator.js';
import {
  createPods,
  createRequest,
  deleteRequest,
  established,
  podName,
  requestName,
  runsOriginal,
  type TargetContext,
} from '../support/intercepts.js';
import { summarize, type Summary } from '../support/stats.js';

export interface DataPlaneResult {
  readonly intercepts: number;
  /** The API-level figure of the same run: create -> `established: true`. */
  readonly establishMs: Summary;
  /** create -> the first request to the pod's port answered by the developer's machine, through the tunnel. */
  readonly firstAnswerMs: Summary;
  /** The API-level figure of the same run: delete -> the original image running. */
  readonly removeMs: Summary;
  /** delete -> the first request answered by the original container again. */
  readonly originalAnswerMs: Summary;
  /** Intercepts whose port answered from the developer's machine before `established` was seen (as the client polls it). */
  readonly answeredBeforeEstablished: number;
  /** Requests sent while waiting; each takes one `busybox wget` (a few ms): the resolution of the figures. */
  readonly probeRequests: number;
}

export type DataPlaneOutcome = DataPlaneResult | { readonly skipped: string };

/**
 * The figure users feel: sequential intercepts on the data-plane node (pods
 * are processes in network namespaces, traffic goes through a real WireGuard
 * tunnel), timed from the create to the first answer from the developer's
 * machine, and from the delete to the first answer from the original
 * container. Runs on its own node, operator and installation, and removes
 * them afterwards, so the other scenarios start from an empty cluster.
 */
export async function measureDataPlane(
  controlPlane: ControlPlane,
  count: number,
  progress: (line: string) => void,
): Promise<DataPlaneOutcome> {
  const unavailable = await dataPlaneUnavailableReason();
  if (unavailable !== undefined) return { skipped: unavailable };
  const admin = controlPlane.adminKubeConfig();
  const plane = await DataPlane.start({ kubeConfig: controlPlane.kubeletKubeConfig() });
  const node = new SimulatedNode({
    kubeConfig: controlPlane.kubeletKubeConfig(),
    containerHost: plane.containerHost,
    handlers: [plane.execHandler],
  });
  await node.start();
  const access = await installOperatorAccess(controlPlane);
  const targetNamespace = 'bench-data-plane';
  await admin.makeApiClient(CoreV1Api).createNamespace({ body: { metadata: { name: targetNamespace } } });
  const operator = await startOperatorProcess({
    kubeconfigPath: access.kubeconfigPath,
    env: { GEFYRA_OPERATOR_CLUSTER_ROLE: access.name, ...CLIENT_PEER_SUBNET_ENV },
    startTimeoutMs: 60_000,
    built: true,
    nodeFlags: operatorNodeFlags(),
  });
  const { requests, pods } = timelines(admin, OPERATOR_NAMESPACE, targetNamespace);
  try {
    await operator.ready({ timeoutMs: 120_000 });
    await Promise.all([requests.synced, pods.synced]);
    const secret = await admin
      .makeApiClient(CoreV1Api)
      .readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: 'gefyra-cargo-connection' });
    await plane.developerMachine.connect(
      Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([key, value]) => [key, Buffer.from(value, 'base64').toString()]),
      ),
      [8000],
    );
    await pollUntil(
      "the developer machine's first handshake",
      async () => ((await plane.developerMachine.latestHandshake()) > 0 ? true : undefined),
      { timeoutMs: 30_000 },
    );

    const context: TargetContext = { admin, node, operatorNamespace: OPERATOR_NAMESPACE, targetNamespace };
    const pod = podName('data-plane', 0);
    await createPods(context, [pod]);
    const podIP = (await node.whenPod(`${targetNamespace}/${pod}`)).status?.podIP ?? '';
    let probeRequests = 0;
    /** The moment the first answer containing `expected` arrived. */
    const answered = async (expected: string): Promise<number> => {
      for (;;) {
        probeRequests += 1;
        const answer = await plane.httpGet(podIP, 8080);
        if (answer.exitCode === 0 && answer.stdout.includes(expected)) return performance.now();
      }
    };
    const samples = {
      establish: [] as number[],
      firstAnswer: [] as number[],
      remove: [] as number[],
      originalAnswer: [] as number[],
    };
    let answeredBeforeEstablished = 0;
    await answered(originalBody(pod, 'web', 8080));
    for (let index = 0; index < count; index++) {
      const name = requestName(pod);
      const created = performance.now();
      await createRequest(context, pod);
      const establishedAt = requests.when(name, established);
      const firstAnswerAt = await answered(developerBody(8000));
      samples.firstAnswer.push(firstAnswerAt - created);
      samples.establish.push((await establishedAt) - created);
      if (firstAnswerAt < (await establishedAt)) answeredBeforeEstablished += 1;
      await requests.when(
        name,
        (object) => (object?.['status'] as { phase?: string } | undefined)?.phase === 'Established',
      );

      const deleted = performance.now();
      await deleteRequest(context, pod);
      const restoredAt = pods.when(pod, runsOriginal);
      samples.originalAnswer.push((await answered(originalBody(pod, 'web', 8080))) - deleted);
      samples.remove.push((await restoredAt) - deleted);
      await requests.when(name, (object) => object === undefined);
      if ((index + 1) % 5 === 0) progress(`data plane: ${index + 1}/${count} intercepts`);
    }
    return {
      intercepts: count,
      establishMs: summarize(samples.establish),
      firstAnswerMs: summarize(samples.firstAnswer),
      removeMs: summarize(samples.remove),
      originalAnswerMs: summarize(samples.originalAnswer),
      answeredBeforeEstablished,
      probeRequests,
    };
  } finally {
    await Promise.all([requests.stop(), pods.stop()]);
    await operator.stop();
    await admin
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: targetNamespace })
      .catch(() => undefined);
    await removeOperatorInstallation(controlPlane);
    await node.stop({ deregister: true });
    await plane.stop();
  }
}

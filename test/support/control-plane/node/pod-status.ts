import type { V1ContainerStatus } from '@kubernetes/client-node';
import type { ContainerModel } from '../../simulated-cluster/container-model.js';

export { timestamp } from '../../simulated-cluster/container-model.js';
export { buildPodStatus, type PodStatusJson } from '../../simulated-cluster/pod-status.js';

/**
 * Rebuilds a container's model from the status a previous kubelet wrote, so
 * that a new SimulatedNode takes over running pods the way a restarted
 * kubelet finds its containers still running.
 */
export function adoptContainer(status: V1ContainerStatus | undefined, specImage: string): ContainerModel | undefined {
  const running = status?.state?.running;
  if (status === undefined || running === undefined || status.image !== specImage || status.containerID === undefined)
    return undefined;
  const terminated = status.lastState?.terminated;
  return {
    name: status.name,
    image: status.image,
    imageID: status.imageID,
    containerID: status.containerID,
    restartCount: status.restartCount,
    state: { kind: 'running', startedAt: toMs(running.startedAt) },
    ...(terminated === undefined
      ? {}
      : {
          lastTerminated: {
            exitCode: terminated.exitCode,
            reason: terminated.reason ?? 'Error',
            startedAt: toMs(terminated.startedAt),
            finishedAt: toMs(terminated.finishedAt),
            containerID: terminated.containerID ?? '',
          },
        }),
  };
}

function toMs(value: Date | string | undefined): number {
  return value === undefined ? Date.now() : new Date(value).getTime();
}

import { findContainerStatus, type Pod } from '../../domain/cluster/pod.js';
import type { PodApi } from '../../ports/cluster-api.port.js';
import { STOWAWAY } from './stowaway-names.js';

/** The Stowaway pod that serves now: ready if one is, else the newest that is not being deleted. */
export async function findStowawayPod(pods: PodApi, namespace: string, signal: AbortSignal): Promise<Pod | undefined> {
  const candidates = (await pods.listPods(namespace, STOWAWAY.podLabels, signal)).filter((pod) => !pod.deleting);
  const newestFirst = candidates.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime());
  return newestFirst.find(isServing) ?? newestFirst[0];
}

export function isServing(pod: Pod): boolean {
  const status = findContainerStatus(pod, STOWAWAY.container);
  return pod.phase === 'Running' && pod.ready && status?.current.state === 'running';
}

/**
 * Identity of the running Stowaway container. Routes loaded into nginx live
 * in the container's file system, so a new container (restart or new pod)
 * means a new revision and routes must be loaded again.
 */
export function stowawayRevision(pod: Pod): string {
  const status = findContainerStatus(pod, STOWAWAY.container);
  return status?.containerID ?? `${pod.uid}/${status?.restartCount ?? 0}`;
}

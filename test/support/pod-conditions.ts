import type { V1Pod } from '@kubernetes/client-node';

/** Whether a Pod (as the API server returns it) has its Ready condition True. */
export function isReady(pod: V1Pod): boolean {
  return (
    pod.status?.conditions?.some((condition) => condition.type === 'Ready' && condition.status === 'True') === true
  );
}

/** One container's status in a Pod, by container name. */
export function containerStatus(pod: V1Pod, container: string) {
  return pod.status?.containerStatuses?.find((status) => status.name === container);
}

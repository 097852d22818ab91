import type { V1Pod } from '@kubernetes/client-node';
import type { PodRef } from '../../../../src/domain/cluster/pod.js';
import type { PodMatcher as PodMatcherOf } from '../../simulated-cluster/kubelet-faults.js';

/** Selects pods the node runs, for its faults and waits (the matching rules: test/support/simulated-cluster/kubelet-faults.ts). */
export type PodMatcher = PodMatcherOf<V1Pod>;

export function podRefOf(pod: V1Pod): PodRef {
  return { namespace: pod.metadata?.namespace ?? '', name: pod.metadata?.name ?? '' };
}

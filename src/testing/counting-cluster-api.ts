import type { ClusterApi } from '../ports/cluster-api.port.js';
import { watchClusterApiCalls, type ClusterApiMethod } from './cluster-api-proxy.js';

export type CallCounts = Partial<Record<ClusterApiMethod, number>>;

/**
 * A ClusterApi that counts the calls the operator makes through it, by
 * method, so tests and benchmarks can see what the operator itself costs (the
 * test's own reads go around it).
 */
export function countingClusterApi(cluster: ClusterApi): ClusterApi & { counts(): CallCounts; reset(): void } {
  let counts: CallCounts = {};
  return watchClusterApiCalls(
    cluster,
    (method) => {
      counts[method] = (counts[method] ?? 0) + 1;
      return undefined;
    },
    { counts: (): CallCounts => ({ ...counts }), reset: (): void => void (counts = {}) },
  );
}

import type { ClusterApi } from '../ports/cluster-api.port.js';

const METHODS = ['find', 'list', 'apply', 'create', 'replace', 'patch', 'remove', 'findPod', 'listPods', 'patchPod', 'exec'] as const;

export type CallCounts = Partial<Record<(typeof METHODS)[number], number>>;

/**
 * A ClusterApi that counts the calls the operator makes through it, by
 * method, so tests and benchmarks can see what the operator itself costs (the
 * test's own reads go around it).
 */
export function countingClusterApi(cluster: ClusterApi): ClusterApi & { counts(): CallCounts; reset(): void } {
  let counts: Record<string, number> = {};
  return new Proxy(cluster, {
    get(target, property, receiver) {
      if (property === 'counts') return () => ({ ...counts }) as CallCounts;
      if (property === 'reset') return () => void (counts = {});
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (!(METHODS as readonly string[]).includes(String(property))) return value.bind(target);
      return (...args: unknown[]) => {
        counts[String(property)] = (counts[String(property)] ?? 0) + 1;
        return (value as (...parameters: unknown[]) => unknown).apply(target, args);
      };
    },
  }) as ClusterApi & { counts(): CallCounts; reset(): void };
}

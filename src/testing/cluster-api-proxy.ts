import type { ClusterApi } from '../ports/cluster-api.port.js';

const CLUSTER_API_METHODS = [
  'find',
  'list',
  'apply',
  'create',
  'replace',
  'patch',
  'remove',
  'findPod',
  'listPods',
  'patchPod',
  'exec',
] as const;
const IS_CLUSTER_API_METHOD: ReadonlySet<string> = new Set(CLUSTER_API_METHODS);

export type ClusterApiMethod = (typeof CLUSTER_API_METHODS)[number];

/**
 * A ClusterApi that passes every call through, after `beforeCall` has seen
 * it; a rejection `beforeCall` returns is the call's answer instead. `extras`
 * adds properties (getters and functions) to the wrapper, for what the
 * wrapper records.
 */
export function watchClusterApiCalls<Extras extends object>(
  cluster: ClusterApi,
  beforeCall: (method: ClusterApiMethod) => Promise<never> | undefined,
  extras: Extras,
): ClusterApi & Extras {
  return new Proxy(cluster, {
    get(target, property, receiver) {
      if (Reflect.has(extras, property)) return Reflect.get(extras, property) as unknown;
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      if (!IS_CLUSTER_API_METHOD.has(String(property))) return value.bind(target);
      return (...args: unknown[]) =>
        beforeCall(property as ClusterApiMethod) ??
        (value as (...parameters: unknown[]) => unknown).apply(target, args);
    },
  }) as ClusterApi & Extras;
}

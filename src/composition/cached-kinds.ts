import { operatorWatches } from '../adapters/runtime/operator-watches.js';
import type { WatchSpec } from '../adapters/runtime/watch-source.js';

/**
 * What the operator watches completely and reads from its caches: everything
 * it reconciles in its own namespace. Leases are left out on purpose: leader
 * election must write on what is really stored, not on a cache that may lag.
 * Pods elsewhere are cached only as far as the runtime watches them (those
 * carrying Carrier); others are read from the API.
 */
export const cachedKinds = (namespace: string): WatchSpec[] => {
  const { requests, deployments, stowawayPods } = operatorWatches(namespace);
  // Services: the proxies' owners are read on every reservation (RouteService), a list each time otherwise.
  return [requests, { apiVersion: 'v1', kind: 'ConfigMap', namespace }, { apiVersion: 'v1', kind: 'Service', namespace }, deployments, stowawayPods];
};

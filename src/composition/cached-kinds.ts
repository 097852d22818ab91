import type { WatchSpec } from '../adapters/runtime/watch-source.js';
import { INTERCEPT_REQUEST_API_VERSION, INTERCEPT_REQUEST_KIND } from '../domain/intercept-request/intercept-request.js';

/**
 * What the operator watches completely and reads from its caches: everything
 * it reconciles in its own namespace. Leases are left out on purpose: leader
 * election must write on what is really stored, not on a cache that may lag.
 * Pods elsewhere are cached only as far as the runtime watches them (those
 * carrying Carrier); others are read from the API.
 */
export const cachedKinds = (namespace: string): WatchSpec[] => [
  { apiVersion: INTERCEPT_REQUEST_API_VERSION, kind: INTERCEPT_REQUEST_KIND, namespace },
  { apiVersion: 'v1', kind: 'ConfigMap', namespace },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace },
  { apiVersion: 'v1', kind: 'Pod', namespace, labels: { app: 'stowaway' } },
];

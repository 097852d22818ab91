import type { ResolutionContext } from 'inversify';
import { TUNNEL_WATCHES } from '../adapters/runtime/tunnel-watches.js';
import type { WatchSpec } from '../adapters/runtime/watch-source.js';
import {
  INTERCEPT_REQUEST_API_VERSION,
  INTERCEPT_REQUEST_KIND,
} from '../domain/intercept-request/intercept-request.js';

/**
 * What the operator watches completely and reads from its caches: everything
 * it reconciles in its own namespace, and the tunnel's own objects (the
 * tunnel plugin names them). Leases are left out on purpose: leader
 * election must write on what is really stored, not on a cache that may lag.
 * Pods elsewhere are cached only as far as the runtime watches them (those
 * carrying a proxy); others are read from the API. The controllers watch the
 * same specs, and equal specs share one watch: a second connection each
 * would cost twice.
 */
export const cachedKinds = (namespace: string, tunnelWatches: readonly WatchSpec[]): WatchSpec[] => [
  { apiVersion: INTERCEPT_REQUEST_API_VERSION, kind: INTERCEPT_REQUEST_KIND, namespace },
  { apiVersion: 'v1', kind: 'ConfigMap', namespace },
  // Services: the proxies' owners are read on every reservation (RouteService), a list each time otherwise.
  { apiVersion: 'v1', kind: 'Service', namespace },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespace },
  ...tunnelWatches,
];

/** The tunnel plugin's watched objects, none when the plugin names none. */
export const tunnelWatchesOf = (context: Pick<ResolutionContext, 'get'>): readonly WatchSpec[] =>
  context.get(TUNNEL_WATCHES, { optional: true }) ?? [];

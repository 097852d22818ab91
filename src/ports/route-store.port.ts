import type { Route } from '../domain/routes/route.js';
import type { Manifest, ReadOptions } from './cluster-api.port.js';

/**
 * RouteStore: durable home of the proxy route table, so that a restarted
 * operator rebuilds its port allocation from the cluster, not from memory.
 *
 * The store is deliberately dumb: it loads and saves the whole table with
 * optimistic concurrency. Choosing ports and merging changes is the domain's
 * RouteService, which retries on Conflict with a fresh load.
 */
export interface RouteTable {
  readonly routes: readonly Route[];
  /** Opaque version of what was loaded; undefined when no table exists yet. */
  readonly version: string | undefined;
}

export interface RouteStore {
  /** The longest owner (request name) a route can be stored under; longer ones are refused up front. */
  readonly maxOwnerLength: number;
  /** `fresh` bypasses any cache: the RouteService asks for it after losing a race. */
  load(signal: AbortSignal, options?: ReadOptions): Promise<RouteTable>;
  /** Saves the table if it is still at `basedOn`; fails with a Conflict DomainError otherwise. */
  save(routes: readonly Route[], basedOn: string | undefined, signal: AbortSignal): Promise<RouteTable>;
  /**
   * The owners whose routes a watched object holds, when it is this store's
   * table (undefined for any other object): its watch then tells which
   * requests lost their routes to an edit by hand.
   */
  routeOwnersIn?(object: Manifest): ReadonlySet<string> | undefined;
}

import type { LeaseLock } from '../kubernetes/cluster-stores/cluster-lease-store.js';
import type { StatusWrites } from '../kubernetes/cluster-stores/cluster-intercept-request-store.js';
import type { Permission } from './granted-access.js';
import type { WatchSpec } from '../runtime/watch-source.js';

/**
 * How the operator works with the access it has: the same operator under
 * the full deploy/ RBAC and under the Gefyra client's ClusterRole (no watch
 * on core and apps kinds, no Leases, no `get` on CRDs, no status subresource).
 */
export interface AccessPlan {
  /** Kinds watched (and read from watch caches); the others are read from the API and rechecked every `recheckMs`. */
  canWatch(spec: WatchSpec): boolean;
  /** How a wait on something unwatched is rechecked: short requeues instead of events. */
  readonly recheckMs: number;
  /** Where the leader lock lives; `none` runs without leader election (one replica only). */
  readonly leaderLock: LeaseLock | 'none';
  readonly statusWrites: StatusWrites;
  /** Whether the CRD can be read; otherwise it is registered by create, then patch. */
  readonly crdReadable: boolean;
  /** Permissions without which nothing can stand in: the operator cannot work until they are granted. */
  readonly missing: readonly Permission[];
  /** Whether the rights on InterceptRequests are granted (where they are optional, the intercept controller runs only then). */
  readonly interceptRequests: boolean;
  /** What differs from the full deploy/ RBAC, one phrase each, for the start-up log. */
  readonly fallbacks: readonly string[];
}

import { INTERCEPT_REQUEST_API_VERSION, INTERCEPT_REQUEST_KIND } from '../../domain/intercept-request/intercept-request.js';
import type { WatchSpec } from './watch-source.js';

/**
 * What the runtime watches in the operator's namespace. The read cache
 * declares the same specs complete (composition/cached-kinds.ts), and equal
 * specs share one watch: written once here, the two cannot drift apart into
 * a second connection each.
 */
export function operatorWatches(namespace: string): { readonly requests: WatchSpec; readonly deployments: WatchSpec; readonly stowawayPods: WatchSpec } {
  return {
    requests: { apiVersion: INTERCEPT_REQUEST_API_VERSION, kind: INTERCEPT_REQUEST_KIND, namespace },
    deployments: { apiVersion: 'apps/v1', kind: 'Deployment', namespace },
    stowawayPods: { apiVersion: 'v1', kind: 'Pod', namespace, labels: { app: 'stowaway' } },
  };
}

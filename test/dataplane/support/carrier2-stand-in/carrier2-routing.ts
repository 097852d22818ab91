import type { StandInProxy } from './carrier2-config-file.js';
import { carrier2RulesHit, Carrier2RequestPanic, type Carrier2Request } from './carrier2-matching.js';

/** Where carrier2 sends a request: a bridge (by its key in the YAML) or the cluster upstream. */
export type Carrier2Choice =
  { readonly to: 'bridge'; readonly key: string; readonly endpoint: string } | { readonly to: 'clusterUpstream' };

/**
 * `upstream_peer`: the first bridge, in the YAML mapping's order, whose rules
 * hit; otherwise the cluster upstream; with neither, the request's task
 * panics (`todo!()`).
 */
export function carrier2Choice(proxy: StandInProxy, request: Carrier2Request): Carrier2Choice {
  const bridge = proxy.bridges.find((candidate) => carrier2RulesHit(candidate.rules, request));
  if (bridge !== undefined) return { to: 'bridge', key: bridge.key, endpoint: bridge.endpoint };
  if (proxy.clusterUpstream !== undefined) return { to: 'clusterUpstream' };
  throw new Carrier2RequestPanic('not yet implemented (no bridge hit and no clusterUpstream)');
}

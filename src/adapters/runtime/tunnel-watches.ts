import type { Token } from '../../tokens.js';
import type { WatchSpec } from './watch-source.js';

/**
 * The tunnel's own objects whose changes the runtime must see (its pods, as
 * they start, restart or get ready), bound by the tunnel plugin: the runtime
 * watches them without knowing which product the tunnel is. Also cached
 * (composition/cached-kinds.ts). Unbound, only the tunnel's installation
 * is watched.
 */
export const TUNNEL_WATCHES = Symbol.for('gefyra-operator/runtime/TunnelWatches') as Token<readonly WatchSpec[]>;

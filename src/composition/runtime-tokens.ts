import type { WatchSource } from '../adapters/runtime/watch-source.js';
import type { Token } from '../ports/tokens.js';

/** Tokens of the runtime's own collaborators (driving side, not domain ports). */
export const RUNTIME = {
  WatchSource: Symbol.for('gefyra-operator/runtime/WatchSource') as Token<WatchSource>,
} as const;

import type { Controller } from '../adapters/runtime/controller.js';
import type { InterceptTracker } from '../adapters/runtime/intercept-tracker.js';
import type { RuntimeAccess } from '../adapters/runtime/manager.js';
import type { OperatorMetrics } from '../adapters/runtime/metrics.js';
import type { OperatorPhase } from '../adapters/runtime/operator-phase.js';
import type { WatchSource } from '../adapters/runtime/watch-source.js';
import type { Logger } from '../ports/logger.port.js';
import type { Token } from '../ports/tokens.js';

/** What one manager shares with the controllers it runs (created with it, one per process). */
export interface ControllerScope {
  readonly phase: OperatorPhase;
  readonly metrics: OperatorMetrics;
  readonly tracker: InterceptTracker;
  readonly access: RuntimeAccess;
  /** The runtime's logger. */
  readonly logger: Logger;
}

/** Makes a controller for a manager; bound (multi) under RUNTIME.Controllers, in the order they start. */
export type ControllerFactory = (scope: ControllerScope) => Controller<unknown>;

/** Tokens of the runtime's own collaborators (driving side, not domain ports). */
export const RUNTIME = {
  WatchSource: Symbol.for('gefyra-operator/runtime/WatchSource') as Token<WatchSource>,
  Controllers: Symbol.for('gefyra-operator/runtime/Controllers') as Token<ControllerFactory>,
} as const;

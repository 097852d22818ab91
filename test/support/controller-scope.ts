import type { ControllerScope } from '../../src/adapters/runtime/controller.js';
import { InterceptTracker } from '../../src/adapters/runtime/intercept-tracker.js';
import { FULL_RUNTIME_ACCESS } from '../../src/adapters/runtime/manager.js';
import { MetricsRegistry, operatorMetrics } from '../../src/adapters/runtime/metrics.js';
import { OperatorPhase } from '../../src/adapters/runtime/operator-phase.js';
import { silentLogger } from '../../src/adapters/system/pino-logger.js';

/** What the runtime gives a controller factory, for tests that build the controllers a container registers. */
export const controllerScope = (): ControllerScope => ({
  phase: new OperatorPhase(),
  metrics: operatorMetrics(
    new MetricsRegistry(),
    () => 0,
    () => 0,
  ),
  tracker: new InterceptTracker(),
  access: FULL_RUNTIME_ACCESS,
  logger: silentLogger,
});

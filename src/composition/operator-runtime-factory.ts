import type { Container } from 'inversify';
import { InterceptTracker } from '../adapters/runtime/intercept-tracker.js';
import { Manager } from '../adapters/runtime/manager.js';
import { MetricsRegistry, operatorMetrics } from '../adapters/runtime/metrics.js';
import { OperatorPhase } from '../adapters/runtime/operator-phase.js';
import { TOKENS } from '../tokens.js';
import { resolve } from '../plugins/resolve.js';
import { RUNTIME } from '../tokens.js';
import type { ControllerFactory, ControllerScope } from '../adapters/runtime/controller.js';
import { SERVICES } from '../tokens.js';

export interface RunnableOperator {
  /** The manager: leader election, the controllers, health and shutdown. */
  readonly runtime: Manager;
  readonly metrics: MetricsRegistry;
}

/** Builds the manager and its controllers (every RUNTIME.Controllers binding) from a composed container. */
export function createOperatorRuntime(container: Container): RunnableOperator {
  const registry = new MetricsRegistry();
  const tracker = new InterceptTracker();
  const holder: { manager?: Manager } = {};
  const metrics = operatorMetrics(
    registry,
    () => holder.manager?.queueDepth() ?? 0,
    () => tracker.established(),
    () => holder.manager?.leading ?? false,
  );
  const logger = resolve(container, TOKENS.Logger).child({ component: 'runtime' });
  const scope: ControllerScope = {
    phase: new OperatorPhase(),
    metrics,
    tracker,
    access: resolve(container, SERVICES.AccessPlan),
    logger,
  };
  const manager = new Manager({
    config: resolve(container, SERVICES.Config),
    leader: resolve(container, SERVICES.LeaderElection),
    watches: resolve(container, RUNTIME.WatchSource),
    clock: resolve(container, TOKENS.Clock),
    logger: resolve(container, TOKENS.Logger),
    metrics,
    phase: scope.phase,
    access: scope.access,
    controllers: container.getAll<ControllerFactory>(RUNTIME.Controllers).map((create) => create(scope)),
  });
  holder.manager = manager;
  return { runtime: manager, metrics: registry };
}

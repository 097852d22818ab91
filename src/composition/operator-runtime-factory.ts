import type { Container } from 'inversify';
import { InterceptTracker } from '../adapters/runtime/intercept-tracker.js';
import { MetricsRegistry, operatorMetrics } from '../adapters/runtime/metrics.js';
import type { Controller } from '../adapters/runtime/controller.js';
import { OperatorRuntime } from '../adapters/runtime/operator-runtime.js';
import { TOKENS } from '../ports/tokens.js';
import { resolve } from './resolve.js';
import { RUNTIME } from './runtime-tokens.js';
import { SERVICES } from './service-tokens.js';

export interface RunnableOperator {
  readonly runtime: OperatorRuntime;
  readonly metrics: MetricsRegistry;
}

/** Builds the controller runtime from a composed container. */
export function createOperatorRuntime(container: Container, controllers: readonly Controller[] = []): RunnableOperator {
  const registry = new MetricsRegistry();
  const tracker = new InterceptTracker();
  const holder: { runtime?: OperatorRuntime } = {};
  const metrics = operatorMetrics(registry, () => holder.runtime?.queueDepth() ?? 0, () => tracker.established());
  const runtime = new OperatorRuntime({
    config: resolve(container, SERVICES.Config),
    boot: resolve(container, SERVICES.BootService),
    intercepts: resolve(container, SERVICES.InterceptService),
    heartbeat: resolve(container, SERVICES.HeartbeatService),
    reset: resolve(container, SERVICES.ResetService),
    standby: resolve(container, SERVICES.StandbyService),
    leader: resolve(container, SERVICES.LeaderElection),
    ledger: resolve(container, TOKENS.ResetLedger),
    carrier: resolve(container, TOKENS.CarrierInstaller),
    tunnel: resolve(container, TOKENS.TunnelRouter),
    watches: resolve(container, RUNTIME.WatchSource),
    logger: resolve(container, TOKENS.Logger),
    metrics,
    tracker,
    clock: resolve(container, TOKENS.Clock),
    events: resolve(container, TOKENS.EventRecorder),
    access: resolve(container, SERVICES.AccessPlan),
    installation: resolve(container, TOKENS.OperatorInstallation),
    controllers,
  });
  holder.runtime = runtime;
  return { runtime, metrics: registry };
}

import { ContainerModule, type ResolutionContext } from 'inversify';
import { HeartbeatController } from '../adapters/runtime/controllers/heartbeat-controller.js';
import { InstallationController } from '../adapters/runtime/controllers/installation-controller.js';
import { InterceptController, type ProxyPods } from '../adapters/runtime/controllers/intercept-controller.js';
import { ResetController } from '../adapters/runtime/controllers/reset-controller.js';
import { toDomainPod } from '../adapters/kubernetes/shapes/pod-mapping.js';
import type { OperatorConfig } from '../config.js';
import type { CarrierInstaller } from '../ports/carrier-installer.port.js';
import { TOKENS } from '../tokens.js';
import { tunnelWatchesOf } from './cached-kinds.js';
import { resolve, resolveAll } from '../plugins/resolve.js';
import { RUNTIME } from '../tokens.js';
import type { ControllerFactory } from '../adapters/runtime/controller.js';
import { SERVICES } from '../tokens.js';

export interface ServedKinds {
  /**
   * InterceptRequests: the tunnel routes them and the credentials may work
   * on them. Their reset (a lost 0.13 connection, a removal) and heartbeat
   * belong to them and run only with them.
   */
  readonly interceptRequests: boolean;
}

/**
 * The operator's controllers, in the order they start: the installation and
 * the reset with the lead; the intercepts and the heartbeat once the
 * installation is ready. Another resource kind is one more binding here (or
 * in a plugin's module), not an edit of the manager.
 */
export function runtimeControllersModule(config: OperatorConfig, serves: ServedKinds): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const controller = (factory: (context: ResolutionContext) => ControllerFactory) =>
      bind(RUNTIME.Controllers).toDynamicValue(factory);

    controller(
      (ctx) => (scope) =>
        new InstallationController({
          namespace: config.namespace,
          boot: resolve(ctx, SERVICES.BootService),
          // A tunnel without routes has no proxies among its objects.
          tunnel: serves.interceptRequests ? resolve(ctx, TOKENS.TunnelRouter) : { proxyOwnerOf: () => undefined },
          tunnelWatches: tunnelWatchesOf(ctx),
          phase: scope.phase,
          access: scope.access,
          logger: scope.logger,
        }),
    );
    if (!serves.interceptRequests) return;
    controller(
      (ctx) => (scope) =>
        new ResetController({
          reset: resolve(ctx, SERVICES.ResetService),
          ledger: resolve(ctx, TOKENS.ResetLedger),
          installation: resolve(ctx, TOKENS.OperatorInstallation),
          phase: scope.phase,
          logger: scope.logger,
        }),
    );
    controller(
      (ctx) => (scope) =>
        new InterceptController({
          namespace: config.namespace,
          resyncIntervalMs: config.resyncIntervalMs,
          concurrency: config.maxConcurrentReconciles,
          intercepts: resolve(ctx, SERVICES.InterceptService),
          standby: resolve(ctx, SERVICES.StandbyService),
          tunnel: resolve(ctx, TOKENS.TunnelRouter),
          routeTable: resolve(ctx, TOKENS.RouteStore),
          tunnelWatches: tunnelWatchesOf(ctx),
          // Only the pods of carriers that serve InterceptRequests: a mount's carrier2 pods are the mount controller's.
          proxyPods: resolveAll(ctx, TOKENS.CarrierInstaller)
            .filter((carrier) => carrier.serves.includes('InterceptRequest'))
            .map(proxyPodsOf),
          events: resolve(ctx, TOKENS.EventRecorder),
          tracker: scope.tracker,
          metrics: scope.metrics,
          phase: scope.phase,
          access: scope.access,
          logger: scope.logger,
        }),
    );
    controller(
      (ctx) => (scope) =>
        new HeartbeatController({
          intervalMs: config.heartbeatIntervalMs,
          heartbeat: resolve(ctx, SERVICES.HeartbeatService),
          phase: scope.phase,
          logger: scope.logger,
        }),
    );
  });
}

/** The pods that carry a carrier, across namespaces, and the requests each serves (read from the pod alone). */
function proxyPodsOf(carrier: CarrierInstaller): ProxyPods {
  return {
    spec: { apiVersion: 'v1', kind: 'Pod', labels: carrier.podLabels },
    requestsOf: (pod) =>
      carrier.ownersOf(toDomainPod(pod)).map((owner) => {
        const [namespace, name] = owner.request.split('/') as [string, string];
        return { namespace, name };
      }),
  };
}

import { ContainerModule } from 'inversify';
import { ClusterAccessReviewer } from '../adapters/kubernetes/cluster-stores/cluster-access-reviewer.js';
import { ClusterClientNotifier } from '../adapters/kubernetes/cluster-stores/cluster-client-notifier.js';
import { ClusterEventRecorder } from '../adapters/kubernetes/cluster-stores/cluster-event-recorder.js';
import { ClusterInterceptRequestStore } from '../adapters/kubernetes/cluster-stores/cluster-intercept-request-store.js';
import { ClusterLeaseStore } from '../adapters/kubernetes/cluster-stores/cluster-lease-store.js';
import { ClusterOperatorInstallation } from '../adapters/kubernetes/cluster-stores/cluster-operator-installation.js';
import { ClusterResetLedger } from '../adapters/kubernetes/cluster-stores/cluster-reset-ledger.js';
import type { OperatorConfig } from '../config.js';
import { BootService } from '../domain/boot/boot-service.js';
import { HeartbeatService } from '../domain/heartbeat/heartbeat-service.js';
import { InterceptService } from '../domain/intercept/intercept-service.js';
import { LeaderElection } from '../domain/leadership/leader-election.js';
import { ResetService } from '../domain/reset/reset-service.js';
import { RouteService } from '../domain/routes/route-service.js';
import { DEFAULT_FINALIZER } from '../domain/settings.js';
import { StandbyService } from '../domain/standby/standby-service.js';
import { TOKENS } from '../tokens.js';
import type { AccessPlan } from '../adapters/access/access-plan.js';
import { resolve, resolveAll } from '../plugins/resolve.js';
import { SERVICES } from '../tokens.js';

export const LEASE_NAME = 'gefyra-operator';

/**
 * The technology-neutral part of the operator: the adapters that only need a
 * ClusterApi (requests, Events, the client's signals, the lease, the reset
 * ledger, the installation) and the domain services. A platform module binds
 * ClusterApi, Clock and Logger; plugins bind the tunnel and the proxy.
 */
export function coreModule(
  config: OperatorConfig,
  access: AccessPlan,
  served: { readonly interceptRequests: boolean } = { interceptRequests: true },
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    const { namespace } = config;
    bind(SERVICES.Config).toConstantValue(config);
    bind(SERVICES.AccessPlan).toConstantValue(access);

    bind(TOKENS.InterceptRequestStore)
      .toDynamicValue(
        (ctx) =>
          new ClusterInterceptRequestStore(
            resolve(ctx, TOKENS.ClusterApi),
            namespace,
            DEFAULT_FINALIZER,
            access.statusWrites,
          ),
      )
      .inSingletonScope();
    bind(TOKENS.EventRecorder)
      .toDynamicValue(
        (ctx) =>
          new ClusterEventRecorder(
            resolve(ctx, TOKENS.ClusterApi),
            resolve(ctx, TOKENS.Clock),
            resolve(ctx, TOKENS.Logger).child({ component: 'events' }),
            namespace,
            config.identity,
          ),
      )
      .inSingletonScope();
    bind(TOKENS.ClientNotifier)
      .toDynamicValue(
        (ctx) => new ClusterClientNotifier(resolve(ctx, TOKENS.ClusterApi), resolve(ctx, TOKENS.Clock), namespace),
      )
      .inSingletonScope();
    bind(TOKENS.LeaseStore)
      .toDynamicValue(
        (ctx) =>
          new ClusterLeaseStore(
            resolve(ctx, TOKENS.ClusterApi),
            namespace,
            LEASE_NAME,
            access.leaderLock === 'ConfigMap' ? 'ConfigMap' : 'Lease',
          ),
      )
      .inSingletonScope();
    bind(TOKENS.ResetLedger)
      .toDynamicValue((ctx) => new ClusterResetLedger(resolve(ctx, TOKENS.ClusterApi), namespace))
      .inSingletonScope();
    bind(TOKENS.OperatorInstallation)
      .toDynamicValue(
        (ctx) =>
          new ClusterOperatorInstallation(
            resolve(ctx, TOKENS.ClusterApi),
            {
              namespace,
              clusterRole: config.clusterRole,
              crdReadable: access.crdReadable,
              interceptRequests: served.interceptRequests,
            },
            resolve(ctx, TOKENS.Logger).child({ component: 'installation' }),
          ),
      )
      .inSingletonScope();

    bind(TOKENS.AccessReviewer)
      .toDynamicValue((ctx) => new ClusterAccessReviewer(resolve(ctx, TOKENS.ClusterApi), resolve(ctx, TOKENS.Clock)))
      .inSingletonScope();

    bind(SERVICES.RouteService)
      .toDynamicValue((ctx) => {
        const router = resolve(ctx, TOKENS.TunnelRouter);
        return new RouteService(
          resolve(ctx, TOKENS.RouteStore),
          { ...config.proxyPorts, reserved: router.reservedPorts },
          (signal) => router.proxyPortOwners(signal),
        );
      })
      .inSingletonScope();
    bind(SERVICES.InterceptService)
      .toDynamicValue((ctx) => {
        const tunnel = resolve(ctx, TOKENS.TunnelRouter);
        return new InterceptService({
          requests: resolve(ctx, TOKENS.InterceptRequestStore),
          pods: resolve(ctx, TOKENS.ClusterApi),
          carriers: resolveAll(ctx, TOKENS.CarrierInstaller),
          tunnel,
          routes: resolve(ctx, SERVICES.RouteService),
          events: resolve(ctx, TOKENS.EventRecorder),
          clock: resolve(ctx, TOKENS.Clock),
          logger: resolve(ctx, TOKENS.Logger).child({ component: 'intercept' }),
          settings: {
            routeLoadRetryMs: 1000,
            ...(access.canWatch({ apiVersion: 'v1', kind: 'Pod' }) ? {} : { waitRecheckMs: access.recheckMs }),
            finalizer: DEFAULT_FINALIZER,
          },
          policy: {
            operatorNamespace: namespace,
            ...config.policy,
            destinationSubnets: config.policy.destinationSubnets ?? tunnel.clientSubnets,
          },
          reviewer: resolve(ctx, TOKENS.AccessReviewer),
          stamps: ctx.get(TOKENS.RequesterStamps, { optional: true }),
        });
      })
      .inSingletonScope();
    bind(SERVICES.BootService)
      .toDynamicValue(
        (ctx) =>
          new BootService({
            tunnel: resolve(ctx, TOKENS.TunnelProvider),
            notifier: resolve(ctx, TOKENS.ClientNotifier),
            installation: resolve(ctx, TOKENS.OperatorInstallation),
            ledger: resolve(ctx, TOKENS.ResetLedger),
            events: resolve(ctx, TOKENS.EventRecorder),
            clock: resolve(ctx, TOKENS.Clock),
            logger: resolve(ctx, TOKENS.Logger).child({ component: 'boot' }),
            settings: { namespace },
          }),
      )
      .inSingletonScope();
    bind(SERVICES.HeartbeatService)
      .toDynamicValue(
        (ctx) =>
          new HeartbeatService({
            heartbeat: resolve(ctx, TOKENS.TunnelHeartbeat),
            ledger: resolve(ctx, TOKENS.ResetLedger),
            events: resolve(ctx, TOKENS.EventRecorder),
            clock: resolve(ctx, TOKENS.Clock),
            logger: resolve(ctx, TOKENS.Logger).child({ component: 'heartbeat' }),
            settings: { namespace, connectionTimeoutMs: config.connectionTimeoutMs },
          }),
      )
      .inSingletonScope();
    bind(SERVICES.ResetService)
      .toDynamicValue(
        (ctx) =>
          new ResetService({
            requests: resolve(ctx, TOKENS.InterceptRequestStore),
            intercepts: resolve(ctx, SERVICES.InterceptService),
            tunnel: resolve(ctx, TOKENS.TunnelProvider),
            notifier: resolve(ctx, TOKENS.ClientNotifier),
            installation: resolve(ctx, TOKENS.OperatorInstallation),
            ledger: resolve(ctx, TOKENS.ResetLedger),
            events: resolve(ctx, TOKENS.EventRecorder),
            clock: resolve(ctx, TOKENS.Clock),
            logger: resolve(ctx, TOKENS.Logger).child({ component: 'reset' }),
            namespace,
          }),
      )
      .inSingletonScope();
    bind(SERVICES.StandbyService)
      .toDynamicValue(
        (ctx) =>
          new StandbyService({
            requests: resolve(ctx, TOKENS.InterceptRequestStore),
            routes: resolve(ctx, SERVICES.RouteService),
            tunnel: resolve(ctx, TOKENS.TunnelRouter),
            logger: resolve(ctx, TOKENS.Logger).child({ component: 'standby' }),
          }),
      )
      .inSingletonScope();
    bind(SERVICES.LeaderElection)
      .toDynamicValue(
        (ctx) =>
          new LeaderElection(
            resolve(ctx, TOKENS.LeaseStore),
            resolve(ctx, TOKENS.Clock),
            config.identity,
            config.leaseDurationSeconds,
          ),
      )
      .inSingletonScope();
  });
}

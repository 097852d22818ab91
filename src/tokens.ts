import type { CarrierInstaller } from './ports/carrier-installer.port.js';
import type { ClientNotifier } from './ports/client-notifier.port.js';
import type { Clock } from './ports/clock.port.js';
import type { ClusterApi } from './ports/cluster-api.port.js';
import type { EventRecorder } from './ports/event-recorder.port.js';
import type { InterceptRequestStore } from './ports/intercept-request-store.port.js';
import type { LeaseStore } from './ports/lease-store.port.js';
import type { Logger } from './ports/logger.port.js';
import type { OperatorInstallation } from './ports/operator-installation.port.js';
import type { RequesterStamps } from './ports/requester-stamps.port.js';
import type { ResetLedger } from './ports/reset-ledger.port.js';
import type { RouteStore } from './ports/route-store.port.js';
import type { TunnelHeartbeat, TunnelProvider, TunnelRouter } from './ports/tunnel-provider.port.js';
import type { AccessReviewer } from './ports/access-reviewer.port.js';
import type { ControllerFactory } from './adapters/runtime/controller.js';
import type { WatchSource } from './adapters/runtime/watch-source.js';
import type { BootService } from './domain/boot/boot-service.js';
import type { HeartbeatService } from './domain/heartbeat/heartbeat-service.js';
import type { InterceptService } from './domain/intercept/intercept-service.js';
import type { LeaderElection } from './domain/leadership/leader-election.js';
import type { ResetService } from './domain/reset/reset-service.js';
import type { RouteService } from './domain/routes/route-service.js';
import type { StandbyService } from './domain/standby/standby-service.js';
import type { OperatorConfig } from './config.js';
import type { AccessPlan } from './adapters/access/access-plan.js';

/**
 * Every token of the container, in one file: the ports (TOKENS), the
 * runtime's collaborators (RUNTIME) and the domain services with the
 * configuration (SERVICES). One typed token per port. A token is a symbol that remembers the type bound
 * to it, so `resolve(container, TOKENS.RouteStore)` is a RouteStore without a
 * cast at every call site.
 */
export type Token<T> = symbol & { readonly __type?: T };

const token = <T>(name: string): Token<T> => Symbol.for(`gefyra-operator/${name}`) as Token<T>;

export const TOKENS = {
  ClusterApi: token<ClusterApi>('ClusterApi'),
  RouteStore: token<RouteStore>('RouteStore'),
  TunnelProvider: token<TunnelProvider>('TunnelProvider'),
  TunnelRouter: token<TunnelRouter>('TunnelRouter'),
  TunnelHeartbeat: token<TunnelHeartbeat>('TunnelHeartbeat'),
  CarrierInstaller: token<CarrierInstaller>('CarrierInstaller'),
  InterceptRequestStore: token<InterceptRequestStore>('InterceptRequestStore'),
  EventRecorder: token<EventRecorder>('EventRecorder'),
  ClientNotifier: token<ClientNotifier>('ClientNotifier'),
  LeaseStore: token<LeaseStore>('LeaseStore'),
  ResetLedger: token<ResetLedger>('ResetLedger'),
  OperatorInstallation: token<OperatorInstallation>('OperatorInstallation'),
  Clock: token<Clock>('Clock'),
  Logger: token<Logger>('Logger'),
  /** Bound only where a webhook stamps requesters (see RequesterStamps). */
  RequesterStamps: token<RequesterStamps>('RequesterStamps'),
  AccessReviewer: token<AccessReviewer>('AccessReviewer'),
} as const;

/** Tokens of the runtime's own collaborators (driving side, not domain ports). */
export const RUNTIME = {
  WatchSource: token<WatchSource>('runtime/WatchSource'),
  /** Bound (multi) in the order the controllers start: the core's, then each plugin's. */
  Controllers: token<ControllerFactory>('runtime/Controllers'),
} as const;

/** Tokens of the domain services and of the configuration, resolved by the runtime and the CLI. */
export const SERVICES = {
  Config: token<OperatorConfig>('service/Config'),
  AccessPlan: token<AccessPlan>('service/AccessPlan'),
  RouteService: token<RouteService>('service/RouteService'),
  InterceptService: token<InterceptService>('service/InterceptService'),
  BootService: token<BootService>('service/BootService'),
  HeartbeatService: token<HeartbeatService>('service/HeartbeatService'),
  ResetService: token<ResetService>('service/ResetService'),
  StandbyService: token<StandbyService>('service/StandbyService'),
  LeaderElection: token<LeaderElection>('service/LeaderElection'),
} as const;

import type { CarrierInstaller } from './carrier-installer.port.js';
import type { ClientNotifier } from './client-notifier.port.js';
import type { Clock } from './clock.port.js';
import type { ClusterApi } from './cluster-api.port.js';
import type { EventRecorder } from './event-recorder.port.js';
import type { InterceptRequestStore } from './intercept-request-store.port.js';
import type { LeaseStore } from './lease-store.port.js';
import type { Logger } from './logger.port.js';
import type { OperatorInstallation } from './operator-installation.port.js';
import type { RequesterStamps } from './requester-stamps.port.js';
import type { ResetLedger } from './reset-ledger.port.js';
import type { RouteStore } from './route-store.port.js';
import type { TunnelHeartbeat, TunnelProvider, TunnelRouter } from './tunnel-provider.port.js';

/**
 * One typed token per port. A token is a symbol that remembers the type bound
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
} as const;

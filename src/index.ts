/**
 * The public API for people who extend the operator: the ports and their
 * tokens, the plugin interface, and the domain types the ports speak in.
 * Offline test helpers are in `gefyra-operator/testing`.
 */
export * from './ports/carrier-installer.port.js';
export * from './ports/client-notifier.port.js';
export * from './ports/clock.port.js';
export * from './ports/cluster-api.port.js';
export * from './ports/event-recorder.port.js';
export * from './ports/intercept-request-store.port.js';
export * from './ports/lease-store.port.js';
export * from './ports/logger.port.js';
export * from './ports/operator-installation.port.js';
export * from './ports/reset-ledger.port.js';
export * from './ports/route-store.port.js';
export * from './ports/tunnel-provider.port.js';
export { TOKENS, type Token } from './tokens.js';
export type { ComposedOperator, OperatorPlugin, PluginContext, PluginMode } from './plugins/plugin.js';
export type { TunnelSubnets } from './config.js';
export {
  ConfigurationError,
  flag,
  parseEnvironment,
  parseEnvironments,
  seconds,
  type Environment,
} from './environment.js';
export {
  defineSettings,
  variable,
  type ContractName,
  type SettingsOf,
  type SettingsSchema,
  type VariableDocs,
} from './settings/settings-schema.js';
export { resolve } from './plugins/resolve.js';
export { DomainError, isDomainError, type ErrorKind } from './domain/errors.js';
export type { ContainerRef, ContainerSpec, ContainerStatus, Pod, PodRef, Probe } from './domain/cluster/pod.js';
export type { Route, RouteDestination } from './domain/routes/route.js';
export { parseInterceptRequest, type InterceptRequest } from './domain/intercept-request/intercept-request.js';

import type { ContainerModule } from 'inversify';
import type { TunnelSubnets } from '../config.js';
import type { Environment } from '../environment.js';
import type { Token } from '../tokens.js';
import type { SettingsSchema } from '../settings/settings-schema.js';

/**
 * The plugin contract. A plugin is a module of bindings for one or more
 * ports; the composition root loads the plugins configuration chooses and
 * nothing else knows their classes. A plugin published as its own npm package
 * exports `plugin: OperatorPlugin` and is named in GEFYRA_PLUGINS.
 */
export interface PluginContext {
  /** Namespace the operator and its components live in. */
  readonly namespace: string;
  /** The tunnel's subnets, core settings (parsed by the core) that the tunnel plugins share. */
  readonly subnets: TunnelSubnets;
  /**
   * The operator's environment. A plugin reads its own variables with
   * `parseEnvironment(itsSettings, environment)`; reading one directly throws.
   */
  readonly environment: Environment;
}

/** One RBAC rule, as in a Kubernetes (Cluster)Role. */
export interface RbacRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** The rights a plugin's ports need beyond the core's, merged into the install manifests' roles. */
export interface PluginRbac {
  /** Cluster-wide rules (the ClusterRole): e.g. a carrier's rights on pods in any namespace. */
  readonly cluster?: readonly RbacRule[];
  /** Rules in the operator's namespace (the Role). */
  readonly namespaced?: readonly RbacRule[];
}

export interface OperatorPlugin {
  readonly name: string;
  /**
   * The ports this plugin binds. The tunnel's ports (TunnelProvider,
   * TunnelRouter, TunnelHeartbeat, RouteStore) are bound by exactly one
   * chosen plugin; CarrierInstaller by one or more, each carrier its own.
   */
  readonly provides: readonly Token<unknown>[];
  readonly rbac?: PluginRbac;
  /** The schemas of the variables this plugin reads (defineSettings), each variable declared once; the README's table lists them. */
  readonly settings?: readonly SettingsSchema[];
  /** Settings the install manifests give the operator's Deployment for this plugin, spelled out (its defaults, made visible). */
  readonly deploymentEnvironment?: Readonly<Record<string, string>>;
  /**
   * Builds the plugin's bindings. Its ports may depend on the core ports
   * (ClusterApi, Clock, Logger, ...), resolved from the container. Throws a
   * ConfigurationError listing every bad setting.
   */
  createModule(context: PluginContext): ContainerModule;
}

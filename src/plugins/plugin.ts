import type { Container, ContainerModule } from 'inversify';
import type { TunnelSubnets } from '../config.js';
import type { Environment } from '../environment.js';
import type { Manifest } from '../ports/cluster-api.port.js';
import type { Token } from '../tokens.js';
import type { SettingsSchema } from '../settings/settings-schema.js';

/**
 * What a plugin contributes to the manager. A plugin binds ports, and may add
 * controllers (bound under RUNTIME.Controllers by its module), work at start
 * (its CRDs), process modes (OP_MODE), its part of `gefyra-operator reset`,
 * RBAC rules and settings. The composition root and the CLI ask the loaded
 * plugins what they contribute; nothing else knows their classes. A plugin
 * published as its own npm package exports `plugin: OperatorPlugin` and is
 * named in GEFYRA_PLUGINS. A client contract (which client generation is
 * served) is a plugin too, chosen by GEFYRA_CLIENT_CONTRACT (`ClientContractPlugin`).
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

/** A process the image runs instead of the operator, chosen by OP_MODE. */
export interface PluginMode {
  /** What the README says it does. */
  readonly meaning: string;
  /** Runs until SIGTERM or SIGINT; resolves to the exit code. */
  run(options: { readonly environment: Environment; readonly kubeconfig: string | undefined }): Promise<number>;
}

/** The composed operator, as a plugin's start-up work and reset see it. */
export type ComposedOperator = Pick<Container, 'get'>;

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
  /** The kinds its controllers serve, plural as the start-up log names them (`serving InterceptRequests`). */
  readonly serves?: readonly string[];
  /** Work before the manager starts, e.g. registering its CRDs; a throw stops the start. */
  atStart?(operator: ComposedOperator, signal: AbortSignal): Promise<void>;
  /** The OP_MODE values it runs instead of the operator (`operator`, the default, is the core's). */
  readonly modes?: Readonly<Record<string, PluginMode>>;
  /**
   * `gefyra-operator reset` for an installation that serves its kinds: removes
   * them and what it installed (and, with `removeOperator`, the operator).
   */
  reset?(operator: ComposedOperator, options: { readonly removeOperator: boolean }, signal: AbortSignal): Promise<void>;
}

/** The options of `gefyra-operator manifests`. */
export interface ManifestOptions {
  readonly namespace: string;
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
}

/** How a client contract is chosen, and what it brings. */
export interface ClientContract {
  /** Its value of GEFYRA_CLIENT_CONTRACT and of `manifests --contract`. */
  readonly value: string;
  /** Whether `GEFYRA_CLIENT_CONTRACT=auto` chooses it: the client's own variables tell (OP_MODE naming one of its modes tells too). */
  recognises(environment: Environment): boolean;
  /** What the variable's documentation says recognises it. */
  readonly recognisedBy?: string;
  /** The plugins that run when GEFYRA_PLUGINS names none. */
  readonly defaultPlugins: readonly string[];
  /**
   * Whether the operator starts without rights on InterceptRequests (the
   * client's role grants none: the contract serves other kinds and
   * InterceptRequests only where granted).
   */
  readonly interceptRequestsOptional: boolean;
  /** Everything a cluster needs for this contract (`gefyra-operator manifests --contract <value>`); its operator roles say what the operator needs. */
  manifests(options: ManifestOptions): Manifest[];
}

/** A plugin that is a client contract: loaded with the plugins GEFYRA_PLUGINS names, one at a time. */
export interface ClientContractPlugin extends OperatorPlugin {
  readonly contract: ClientContract;
}

import type { ContainerModule } from 'inversify';
import type { Token } from '../ports/tokens.js';

/**
 * The plugin contract. A plugin is a module of bindings for one or more
 * ports; the composition root loads the plugins configuration chooses and
 * nothing else knows their classes. A plugin published as its own npm package
 * exports `plugin: OperatorPlugin` and is named in GEFYRA_PLUGINS.
 */
export interface PluginContext {
  /** Namespace the operator and its components live in. */
  readonly namespace: string;
  /** The operator's environment, read once by the composition root; a plugin validates its own variables. */
  readonly environment: Readonly<Record<string, string | undefined>>;
}

export interface OperatorPlugin {
  readonly name: string;
  /** The ports this plugin binds. Two chosen plugins must not bind the same port. */
  readonly provides: readonly Token<unknown>[];
  /**
   * Builds the plugin's bindings. Its ports may depend on the core ports
   * (ClusterApi, Clock, Logger, ...), resolved from the container. Throws a
   * ConfigurationError listing every bad setting.
   */
  createModule(context: PluginContext): ContainerModule;
}

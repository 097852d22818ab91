import { Container, type ContainerModule } from 'inversify';
import type { OperatorConfig } from '../config.js';
import { ConfigurationError } from '../environment.js';
import { type OperatorPlugin } from '../plugins/plugin.js';
import { fullAccessPlan, type AccessPlan } from './access-plan.js';
import { coreModule } from './core.module.js';
import { gefyraClientModule } from './gefyra-client-composition.js';
import { tunnelRoutes } from './plugin-registry.js';
import { runtimeControllersModule } from './runtime-controllers.js';

export interface ContainerOptions {
  readonly config: OperatorConfig;
  /** The environment plugins read their settings from. */
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly plugins: readonly OperatorPlugin[];
  /** Binds ClusterApi, Clock and Logger: Kubernetes in production, in-memory in tests. */
  readonly platform: ContainerModule;
  /** How to work with the credentials' access; default: the full deploy/ RBAC. */
  readonly access?: AccessPlan;
  /** Serve Gefyra 2's GefyraClients (the 2.x client contract); default: no. */
  readonly gefyraClients?: boolean;
}

/** What a composed operator serves, for its start-up log. */
export interface Served {
  readonly interceptRequests: boolean;
  readonly gefyraClients: boolean;
}

/** InterceptRequests are served when the tunnel routes them and the credentials may work on them. */
export function servedBy(options: Pick<ContainerOptions, 'plugins' | 'gefyraClients' | 'access' | 'config'>): Served {
  const access = options.access ?? fullAccessPlan(options.config.namespace);
  return { interceptRequests: tunnelRoutes(options.plugins) && access.interceptRequests, gefyraClients: options.gefyraClients ?? false };
}

/**
 * The composition root: the one place that puts the domain, the chosen
 * plugins and a platform together. Every plugin's configuration problems are
 * reported at once.
 */
export async function createOperatorContainer(options: ContainerOptions): Promise<Container> {
  const problems: string[] = [];
  const pluginModules: ContainerModule[] = [];
  for (const plugin of options.plugins) {
    try {
      pluginModules.push(plugin.createModule({ namespace: options.config.namespace, environment: options.environment }));
    } catch (error) {
      if (error instanceof ConfigurationError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ConfigurationError(problems);
  const container = new Container();
  const access = options.access ?? fullAccessPlan(options.config.namespace);
  const served = servedBy(options);
  await container.load(options.platform, coreModule(options.config, access, served), runtimeControllersModule(options.config, served), ...pluginModules);
  if (served.gefyraClients) await container.load(gefyraClientModule(container, options.config.namespace, options.environment));
  return container;
}

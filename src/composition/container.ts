import { Container, type ContainerModule } from 'inversify';
import type { OperatorConfig } from '../config.js';
import { ConfigurationError, guardEnvironment, type Environment } from '../environment.js';
import { type OperatorPlugin, type PluginContext } from '../plugins/plugin.js';
import type { AccessPlan } from '../adapters/access/access-plan.js';
import { fullAccessPlan } from './access-plan.js';
import { coreModule } from './core.module.js';
import { tunnelRoutes } from './plugin-registry.js';
import { runtimeControllersModule } from './runtime-controllers.js';

export interface ContainerOptions {
  readonly config: OperatorConfig;
  /** The environment plugins read their settings from (each with its own schema). */
  readonly environment: Environment;
  readonly plugins: readonly OperatorPlugin[];
  /** Binds ClusterApi, Clock and Logger: Kubernetes in production, in-memory in tests. */
  readonly platform: ContainerModule;
  /** How to work with the credentials' access; default: the full deploy/ RBAC. */
  readonly access?: AccessPlan;
}

/** What a composed operator serves, for its start-up log. */
export interface Served {
  readonly interceptRequests: boolean;
  /** Every kind served, as the start-up log names them: InterceptRequests (where served) and what the plugins serve. */
  readonly kinds: readonly string[];
}

/** InterceptRequests are served when the tunnel routes them and the credentials may work on them. */
export function servedBy(options: Pick<ContainerOptions, 'plugins' | 'access' | 'config'>): Served {
  const access = options.access ?? fullAccessPlan(options.config.namespace);
  const interceptRequests = tunnelRoutes(options.plugins) && access.interceptRequests;
  return {
    interceptRequests,
    kinds: [
      ...(interceptRequests ? ['InterceptRequests'] : []),
      ...options.plugins.flatMap((plugin) => plugin.serves ?? []),
    ],
  };
}

/**
 * The composition root: the one place that puts the domain, the chosen
 * plugins and a platform together. Every plugin's configuration problems are
 * reported at once.
 */
export async function createOperatorContainer(options: ContainerOptions): Promise<Container> {
  const problems: string[] = [];
  const context: PluginContext = {
    namespace: options.config.namespace,
    subnets: options.config.subnets,
    environment: guardEnvironment(options.environment),
  };
  const container = new Container();
  const served = servedBy(options);
  const moduleOf = (create: () => ContainerModule): ContainerModule[] => {
    try {
      return [create()];
    } catch (error) {
      if (!(error instanceof ConfigurationError)) throw error;
      problems.push(...error.problems);
      return [];
    }
  };
  const pluginModules = options.plugins.flatMap((plugin) => moduleOf(() => plugin.createModule(context)));
  if (problems.length > 0) throw new ConfigurationError(problems);
  const access = options.access ?? fullAccessPlan(options.config.namespace);
  await container.load(
    options.platform,
    coreModule(options.config, access, served),
    runtimeControllersModule(options.config, served),
    ...pluginModules,
  );
  return container;
}

import { Container, type ContainerModule } from 'inversify';
import type { OperatorConfig } from '../config.js';
import { ConfigurationError } from '../environment.js';
import { type OperatorPlugin } from '../plugins/plugin.js';
import { fullAccessPlan, type AccessPlan } from './access-plan.js';
import { coreModule } from './core.module.js';
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
  await container.load(options.platform, coreModule(options.config, access), runtimeControllersModule(options.config), ...pluginModules);
  return container;
}

import { loadConfig } from '../../src/config.js';
import type { Environment } from '../../src/environment.js';
import type { PluginContext } from '../../src/plugins/plugin.js';

/** What the composition root gives a plugin for this environment: the core's namespace and subnets, parsed once, and the environment. */
export function pluginContext(environment: Environment = {}, namespace?: string): PluginContext {
  const config = loadConfig(environment);
  return { namespace: namespace ?? config.namespace, subnets: config.subnets, environment };
}

import type { Container } from 'inversify';
import { ContainerModule } from 'inversify';
import {
  checkApiReachable,
  KubernetesClusterApi,
  KubernetesWatchSource,
  loadKubeConfig,
} from '../adapters/kubernetes/index.js';
import { createPinoLogger } from '../adapters/system/pino-logger.js';
import { systemClock } from '../adapters/system/system-clock.js';
import { loadConfig, type OperatorConfig } from '../config.js';
import type { Logger } from '../ports/logger.port.js';
import { TOKENS } from '../ports/tokens.js';
import { createOperatorContainer } from './container.js';
import { loadPlugins } from './plugin-registry.js';
import { RUNTIME } from './runtime-tokens.js';

export interface KubernetesCompositionOptions {
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** A kubeconfig file; otherwise in-cluster, KUBECONFIG, ~/.kube/config. */
  readonly kubeconfig?: string | undefined;
  /** Overrides the operator namespace from the environment (the reset command's --namespace). */
  readonly namespace?: string | undefined;
  readonly logger?: Logger;
}

export interface KubernetesComposition {
  readonly container: Container;
  readonly config: OperatorConfig;
  readonly logger: Logger;
}

/** Production wiring: configuration, plugins, the Kubernetes adapters, checked against a reachable API server. */
export async function composeForKubernetes(options: KubernetesCompositionOptions): Promise<KubernetesComposition> {
  const environment = options.namespace ? { ...options.environment, GEFYRA_NAMESPACE: options.namespace } : options.environment;
  const config = loadConfig(environment);
  const logger = options.logger ?? createPinoLogger(config.logLevel);
  const plugins = await loadPlugins(config.plugins);
  const kubeConfig = loadKubeConfig(options.kubeconfig, { environment });
  await checkApiReachable(kubeConfig, AbortSignal.timeout(15_000));
  const platform = new ContainerModule(({ bind }) => {
    bind(TOKENS.ClusterApi).toConstantValue(new KubernetesClusterApi(kubeConfig));
    bind(TOKENS.Clock).toConstantValue(systemClock);
    bind(TOKENS.Logger).toConstantValue(logger);
    bind(RUNTIME.WatchSource).toConstantValue(new KubernetesWatchSource(kubeConfig, logger.child({ component: 'watch' })));
  });
  const container = await createOperatorContainer({ config, environment, plugins, platform });
  return { container, config, logger };
}

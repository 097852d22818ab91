import type { Container } from 'inversify';
import { platformModule } from './platform-module.js';
import { credentialsUser, reviewAccess } from '../adapters/kubernetes/client/access-review.js';
import { GrantedAccess } from '../adapters/access/granted-access.js';
import {
  checkApiReachable,
  KubernetesClusterApi,
  KubernetesWatchSource,
  loadKubeConfig,
} from '../adapters/kubernetes/client/index.js';
import { SharedInformers } from '../adapters/cache/shared-informers.js';
import { createPinoLogger } from '../adapters/system/pino-logger.js';
import { systemClock } from '../adapters/system/system-clock.js';
import { loadConfig, type OperatorConfig } from '../config.js';
import type { Logger } from '../ports/logger.port.js';
import { createOperatorContainer, servedBy, type Served } from './container.js';
import { loadOperatorPlugins } from './plugin-registry.js';
import type { OperatorPlugin } from '../plugins/plugin.js';
import type { AccessPlan } from '../adapters/access/access-plan.js';
import { planAccess } from './access-plan.js';
import { toDomainError } from '../domain/errors.js';
import { environmentWith, guardEnvironment, type Environment } from '../environment.js';
import { ensureStampKey, HmacRequesterStamps } from '../adapters/webhook/requester-stamp-key.js';
import { requesterWebhookNames } from '../adapters/webhook/requester-webhook-names.js';

export interface KubernetesCompositionOptions {
  readonly environment: Environment;
  /** A kubeconfig file; otherwise in-cluster, KUBECONFIG, ~/.kube/config. */
  readonly kubeconfig?: string | undefined;
  /** Overrides the operator namespace from the environment (the reset command's --namespace). */
  readonly namespace?: string | undefined;
  readonly logger?: Logger;
  /** Serve reads from watch caches (the default for the operator); off for one-shot commands like reset. */
  readonly cache?: boolean;
}

export interface KubernetesComposition {
  readonly container: Container;
  readonly config: OperatorConfig;
  readonly logger: Logger;
  readonly access: AccessPlan;
  /** The plugins loaded, the client contract among them: asked what they contribute (work at start, a reset). */
  readonly plugins: readonly OperatorPlugin[];
  /** The kinds this operator serves (the plugins'; InterceptRequests where the tunnel and the access allow). */
  readonly served: Served;
  /** Who the credentials are (a ServiceAccount's `system:serviceaccount:…`), when they tell. */
  readonly user: string | undefined;
  /** Signs and verifies requester stamps, where this process serves the stamping webhook (GEFYRA_REQUESTER_WEBHOOK=on). */
  readonly stamps: HmacRequesterStamps | undefined;
  /** Stops the shared watches. */
  dispose(): Promise<void>;
}

/** Production wiring: configuration, plugins, the Kubernetes adapters, checked against a reachable API server. */
export async function composeForKubernetes(options: KubernetesCompositionOptions): Promise<KubernetesComposition> {
  const environment = options.namespace
    ? environmentWith(options.environment, { GEFYRA_NAMESPACE: options.namespace })
    : guardEnvironment(options.environment);
  const config = loadConfig(environment);
  const logger = options.logger ?? createPinoLogger(config.logLevel);
  const { contract, plugins } = await loadOperatorPlugins(config.plugins, environment);
  const kubeConfig = loadKubeConfig(options.kubeconfig, { environment });
  await checkApiReachable(kubeConfig, AbortSignal.timeout(15_000));
  // The watch source logs each failed watch itself, naming its kind and namespace.
  const access = planAccess(await learnAccess(kubeConfig, config.namespace, logger), config.namespace, {
    contract: contract.contract,
  });
  if (access.fallbacks.length > 0)
    logger.info({ fallbacks: access.fallbacks }, 'working with the access these credentials have');
  const stamps = config.requesterWebhook.enabled
    ? new HmacRequesterStamps(
        await ensureStampKey(
          new KubernetesClusterApi(kubeConfig),
          { namespace: config.namespace, secretName: requesterWebhookNames(config.clusterRole).keySecret },
          AbortSignal.timeout(15_000),
        ),
      )
    : undefined;
  const informers = new SharedInformers(new KubernetesWatchSource(kubeConfig, logger.child({ component: 'watch' })));
  const platform = platformModule({
    api: new KubernetesClusterApi(kubeConfig),
    informers,
    cache: options.cache !== false,
    namespace: config.namespace,
    canWatch: (spec) => access.canWatch(spec),
    clock: systemClock,
    logger,
    stamps,
  });
  const container = await createOperatorContainer({
    config,
    environment,
    plugins,
    platform,
    access,
  });
  const served = servedBy({ config, plugins, access });
  return {
    container,
    config,
    logger,
    access,
    plugins,
    served,
    user: credentialsUser(kubeConfig),
    stamps,
    dispose: () => informers.stop(),
  };
}

/** The credentials' rules; when they cannot be learned, the full deploy/ RBAC is assumed (and a 403 will say what lacks). */
async function learnAccess(
  kubeConfig: Parameters<typeof reviewAccess>[0],
  namespace: string,
  logger: Logger,
): Promise<GrantedAccess> {
  try {
    return (await reviewAccess(kubeConfig, namespace, AbortSignal.timeout(15_000))) ?? GrantedAccess.everything();
  } catch (error) {
    logger.warn(
      { error: toDomainError(error).message },
      'could not learn what these credentials may do; assuming the full deploy/ RBAC',
    );
    return GrantedAccess.everything();
  }
}

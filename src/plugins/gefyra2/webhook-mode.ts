import { checkApiReachable, KubernetesClusterApi, loadKubeConfig } from '../../adapters/kubernetes/client/index.js';
import { createPinoLogger } from '../../adapters/system/pino-logger.js';
import { systemClock } from '../../adapters/system/system-clock.js';
import { startGefyra2Webhook } from './adapters/gefyra2-webhook.js';
import { loadConfig } from '../../config.js';
import type { Environment } from '../../environment.js';
import { loadWebhookSettings } from './webhook-settings.js';

/**
 * `gefyra-operator run` with `OP_MODE=webhook` (how the Gefyra 2.5 client
 * starts its second Deployment): the validating webhook until SIGTERM or
 * SIGINT. It reconciles nothing and needs no leader: every replica serves.
 */
export async function runWebhookMode(options: {
  readonly environment: Environment;
  readonly kubeconfig: string | undefined;
}): Promise<number> {
  const config = loadConfig(options.environment);
  const webhookSettings = loadWebhookSettings(options.environment);
  const logger = createPinoLogger(config.logLevel);
  const kubeConfig = loadKubeConfig(options.kubeconfig, { environment: options.environment });
  // The same first line as the operator's, so that whoever watches either process knows it started.
  logger.info(
    { mode: 'webhook', namespace: config.namespace, webhookPort: webhookSettings.port },
    'gefyra-operator starting',
  );
  await checkApiReachable(kubeConfig, AbortSignal.timeout(15_000));
  const webhook = await startGefyra2Webhook({
    objects: new KubernetesClusterApi(kubeConfig),
    clock: systemClock,
    logger,
    namespace: config.namespace,
    webhook: webhookSettings,
    policy: { destinationSubnets: config.policy.destinationSubnets },
  });
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'admission webhook shutting down');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve();
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await webhook.stop();
  return 0;
}

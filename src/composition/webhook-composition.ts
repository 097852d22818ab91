import { AdmissionServer } from '../adapters/webhook/admission-server.js';
import { admissionHandlers, NO_POLICY_SETTINGS, type AdmissionPolicy } from '../adapters/webhook/admission-handlers.js';
import { ensureWebhookTls, patchCaBundle, type CaBundleOutcome } from '../adapters/webhook/webhook-tls-store.js';
import { postReadinessEvent } from '../adapters/kubernetes/cluster-stores/readiness-event.js';
import { Periodic } from '../adapters/runtime/periodic.js';
import { toDomainError } from '../domain/errors.js';
import type { Gefyra2Config } from '../gefyra2/gefyra2-config.js';
import type { Clock } from '../ports/clock.port.js';
import type { ObjectApi } from '../ports/cluster-api.port.js';
import type { Logger } from '../ports/logger.port.js';

/** What the 2.5 client waits for besides `Gefyra-Ready` (contract §1). */
export const WEBHOOK_READY_REASON = 'Gefyra-Webhook-Ready';
export const WEBHOOK_DEPLOYMENT = 'gefyra-operator-webhook';
/**
 * The webhook configuration's caBundle is checked this often: the client's
 * role may not get or watch it, and a client that installs after the webhook
 * started brings the configuration with Gefyra's published CA in it.
 */
const CA_BUNDLE_CHECK_MS = 60_000;

export interface WebhookOptions {
  readonly objects: ObjectApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly namespace: string;
  readonly webhook: Gefyra2Config['webhook'];
  /** Default: no GEFYRA_DESTINATION_SUBNETS. */
  readonly policy?: AdmissionPolicy;
  /** Overrides the configured port (0: any free one; tests). */
  readonly port?: number;
  /** The address to listen on; all interfaces by default. */
  readonly listenHost?: string;
}

export interface RunningWebhook {
  readonly port: number;
  /** The CA the configuration's caBundle now names. */
  readonly caCert: string;
  stop(): Promise<void>;
}

/**
 * `OP_MODE=webhook`: the CA and serving certificate from their Secret (made
 * on first start), the HTTPS server with the three admission paths, and the
 * caBundle of the client's ValidatingWebhookConfiguration pointed at our CA
 * at start and kept there.
 */
export async function startWebhook(options: WebhookOptions): Promise<RunningWebhook> {
  const { objects, clock, logger, namespace, webhook } = options;
  const host = `${webhook.service}.${namespace}.svc`;
  const tls = await ensureWebhookTls(objects, clock, logger, { namespace, secretName: webhook.tlsSecret, host }, AbortSignal.timeout(30_000));
  let announced = false;
  const server = new AdmissionServer({
    tls,
    handlers: admissionHandlers(objects, options.policy ?? NO_POLICY_SETTINGS),
    logger,
    onHealthCheck: async () => {
      if (announced) return;
      await postReadinessEvent(
        objects,
        clock,
        namespace,
        { reason: WEBHOOK_READY_REASON, message: 'The Gefyra admission webhook answers', deployment: WEBHOOK_DEPLOYMENT, label: 'webhook-ready' },
        AbortSignal.timeout(10_000),
      );
      announced = true;
    },
  });
  const port = await server.listen(options.port ?? webhook.port, options.listenHost);
  logger.info({ port, host }, 'admission webhook serving');

  let lastOutcome: CaBundleOutcome | 'failed' | undefined;
  const pointConfigurationAtOurCa = async (): Promise<void> => {
    let outcome: CaBundleOutcome | 'failed';
    try {
      outcome = await patchCaBundle(objects, { configuration: webhook.configuration, namespace, service: webhook.service }, tls.caCert, AbortSignal.timeout(15_000));
    } catch (error) {
      outcome = 'failed';
      logger.warn({ configuration: webhook.configuration, error: toDomainError(error).message }, 'could not point the webhook configuration at our CA');
    }
    if (outcome === 'patched') logger.info({ configuration: webhook.configuration }, 'pointed the webhook configuration caBundle at our CA');
    else if (outcome === 'absent' && lastOutcome !== 'absent') logger.info({ configuration: webhook.configuration }, 'no webhook configuration yet; looking again every minute');
    lastOutcome = outcome;
  };
  // The first time before the webhook counts as started, so the API server trusts it from then on.
  await pointConfigurationAtOurCa();
  const caBundle = new Periodic(clock, CA_BUNDLE_CHECK_MS, pointConfigurationAtOurCa);
  return {
    port,
    caCert: tls.caCert,
    stop: async () => {
      await caBundle.stop();
      await server.close();
    },
  };
}

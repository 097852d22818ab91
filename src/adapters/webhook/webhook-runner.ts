import { AdmissionServer } from './admission-server.js';
import {
  admissionHandlers,
  NO_POLICY_SETTINGS,
  type AdmissionHandler,
  type AdmissionPolicy,
} from '../../plugins/gefyra2/adapters/admission-handlers.js';
import { validityOf } from './webhook-certificate.js';
import {
  ensureWebhookTls,
  patchCaBundle,
  type CaBundleOutcome,
  type WebhookConfigurationKind,
} from './webhook-tls-store.js';
import { caBundleOf, webhookTickMs } from './webhook-tls-rotation.js';
import { postReadinessEvent } from '../kubernetes/cluster-stores/readiness-event.js';
import { Periodic } from '../runtime/periodic.js';
import { toDomainError } from '../../domain/errors.js';
import type { Gefyra2Config } from '../../plugins/gefyra2/gefyra2-config.js';
import type { Clock } from '../../ports/clock.port.js';
import type { ObjectApi } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';

/** What the 2.5 client waits for besides `Gefyra-Ready` (contract §1). */
export const WEBHOOK_READY_REASON = 'Gefyra-Webhook-Ready';
export const WEBHOOK_DEPLOYMENT = 'gefyra-operator-webhook';

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
  /** The paths served; default: the 2.5 contract's three validating rules. */
  readonly handlers?: Readonly<Record<string, AdmissionHandler>>;
  /** The kind of `webhook.configuration`; default: ValidatingWebhookConfiguration (the 2.5 client's). */
  readonly configurationKind?: WebhookConfigurationKind;
  /** Whether the client's health check posts `Gefyra-Webhook-Ready` (the 2.5 contract); default true. */
  readonly announceReadiness?: boolean;
}

export interface RunningWebhook {
  readonly port: number;
  /** The CAs (PEM, one or two) the configuration's caBundle names now. */
  readonly caBundle: string;
  stop(): Promise<void>;
}

/**
 * `OP_MODE=webhook`: the certificates from their Secret (made on first
 * start), the HTTPS server with the three admission paths, and the caBundle
 * of the client's ValidatingWebhookConfiguration pointed at our CAs at
 * start and kept there. Every tick (webhookTickMs, on the injected clock)
 * the Secret is read and the rotation brought forward; the caBundle is
 * written before a new certificate is served, so the API server trusts it
 * from its first connection. The client's role may not get or watch the
 * configuration, and a client that installs after the webhook started
 * brings Gefyra's published CA back: the tick puts ours back too.
 */
export async function startWebhook(options: WebhookOptions): Promise<RunningWebhook> {
  const { objects, clock, logger, namespace, webhook } = options;
  const host = `${webhook.service}.${namespace}.svc`;
  const lifetimeMs = webhook.certificateLifetimeSeconds * 1000;
  const tlsPlace = { namespace, secretName: webhook.tlsSecret, host, lifetimeMs };
  let state = await ensureWebhookTls(objects, clock, logger, tlsPlace, AbortSignal.timeout(30_000));
  let announced = options.announceReadiness === false;
  const server = new AdmissionServer({
    tls: state.active,
    handlers: options.handlers ?? admissionHandlers(objects, options.policy ?? NO_POLICY_SETTINGS),
    logger,
    onHealthCheck: async () => {
      if (announced) return;
      await postReadinessEvent(
        objects,
        clock,
        namespace,
        {
          reason: WEBHOOK_READY_REASON,
          message: 'The Gefyra admission webhook answers',
          deployment: WEBHOOK_DEPLOYMENT,
          label: 'webhook-ready',
        },
        AbortSignal.timeout(10_000),
      );
      announced = true;
    },
  });
  const port = await server.listen(options.port ?? webhook.port, options.listenHost);
  logger.info({ port, host }, 'admission webhook serving');

  let lastOutcome: CaBundleOutcome | 'failed' | undefined;
  const pointConfigurationAtOurCas = async (): Promise<boolean> => {
    let outcome: CaBundleOutcome | 'failed';
    try {
      const place = {
        configuration: webhook.configuration,
        kind: options.configurationKind,
        namespace,
        service: webhook.service,
      };
      outcome = await patchCaBundle(objects, place, caBundleOf(state), AbortSignal.timeout(15_000));
    } catch (error) {
      outcome = 'failed';
      logger.warn(
        { configuration: webhook.configuration, error: toDomainError(error).message },
        'could not point the webhook configuration at our CA',
      );
    }
    if (outcome === 'patched')
      logger.info(
        { configuration: webhook.configuration, cas: caBundleOf(state).match(/BEGIN CERTIFICATE/g)?.length },
        'pointed the webhook configuration caBundle at our CA',
      );
    else if (outcome === 'absent' && lastOutcome !== 'absent')
      logger.info(
        { configuration: webhook.configuration },
        'no webhook configuration yet; looking again at every tick',
      );
    lastOutcome = outcome;
    return outcome !== 'failed';
  };
  // The first time before the webhook counts as started, so the API server trusts it from then on.
  await pointConfigurationAtOurCas();
  const tick = async (): Promise<void> => {
    try {
      state = await ensureWebhookTls(objects, clock, logger, tlsPlace, AbortSignal.timeout(15_000));
    } catch (error) {
      logger.warn(
        { secret: webhook.tlsSecret, error: toDomainError(error).message },
        'could not read or renew the webhook certificates; serving the current ones',
      );
    }
    const trusted = await pointConfigurationAtOurCas();
    // A certificate whose CA could not be written into the configuration waits for the next tick, unless the one served has run out.
    if (
      served !== state.active.cert &&
      (trusted || validityOf({ cert: served }).to.getTime() <= clock.now().getTime())
    ) {
      server.useTls(state.active);
      served = state.active.cert;
      logger.info(
        { host, validUntil: validityOf(state.active).to.toISOString() },
        'serving the renewed certificate to new connections',
      );
    }
  };
  let served = state.active.cert;
  const ticks = new Periodic(clock, webhookTickMs(lifetimeMs), tick);
  return {
    port,
    get caBundle() {
      return caBundleOf(state);
    },
    stop: async () => {
      await ticks.stop();
      await server.close();
    },
  };
}

import { AdmissionServer, type AdmissionHandler } from './admission-server.js';
import { validityOf } from './webhook-certificate.js';
import {
  ensureWebhookTls,
  patchCaBundle,
  type CaBundleOutcome,
  type WebhookConfigurationKind,
} from './webhook-tls-store.js';
import { caBundleOf, webhookTickMs } from './webhook-tls-rotation.js';
import { postReadinessEvent, type ReadinessSignal } from '../kubernetes/cluster-stores/readiness-event.js';
import { Periodic } from '../runtime/periodic.js';
import { toDomainError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { ObjectApi } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';

/** 825 days, the longest a publicly trusted serving certificate was allowed. */
export const DEFAULT_CERTIFICATE_LIFETIME_SECONDS = 71_280_000;

/** Where a webhook serves and keeps its certificates, and which configuration's caBundle it keeps at its CA. */
export interface WebhookPlace {
  readonly port: number;
  /** The Service in front of the webhook pods; the certificate is made out to `<service>.<namespace>.svc`. */
  readonly service: string;
  /** Where the CA and serving certificate are kept across restarts. */
  readonly tlsSecret: string;
  /** The webhook configuration whose `caBundle`s are patched. */
  readonly configuration: string;
  /** How long each serving certificate and its CA are valid; renewed while running, from half of it on. */
  readonly certificateLifetimeSeconds: number;
}

export interface WebhookOptions {
  readonly objects: ObjectApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly namespace: string;
  readonly webhook: WebhookPlace;
  /** The paths served, each with its rule. */
  readonly handlers: Readonly<Record<string, AdmissionHandler>>;
  /** Overrides the configured port (0: any free one; tests). */
  readonly port?: number;
  /** The address to listen on; all interfaces by default. */
  readonly listenHost?: string;
  /** The kind of `webhook.configuration`; default: ValidatingWebhookConfiguration. */
  readonly configurationKind?: WebhookConfigurationKind;
  /** The Event posted the first time the API server's health check reaches the webhook; none by default. */
  readonly readiness?: ReadinessSignal;
}

export interface RunningWebhook {
  readonly port: number;
  /** The CAs (PEM, one or two) the configuration's caBundle names now. */
  readonly caBundle: string;
  stop(): Promise<void>;
}

/**
 * An admission webhook: the certificates from their Secret (made on first
 * start), the HTTPS server with its paths, and the caBundle of its webhook
 * configuration pointed at our CAs at start and kept there. Every tick (webhookTickMs, on the injected clock)
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
  const { readiness } = options;
  let announced = readiness === undefined;
  const server = new AdmissionServer({
    tls: state.active,
    handlers: options.handlers,
    logger,
    onHealthCheck: async () => {
      if (announced || readiness === undefined) return;
      await postReadinessEvent(objects, clock, namespace, readiness, AbortSignal.timeout(10_000));
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

import type { AdmissionHandler } from '../adapters/webhook/admission-server.js';
import type { HmacRequesterStamps } from '../adapters/webhook/requester-stamp-key.js';
import { REQUESTER_WEBHOOK_PATH, requesterWebhookNames } from '../adapters/webhook/requester-webhook-names.js';
import type { OperatorConfig } from '../config.js';
import { operatorEvent } from '../domain/boot/operator-events.js';
import type { Clock } from '../ports/clock.port.js';
import type { ObjectApi } from '../ports/cluster-api.port.js';
import type { EventRecorder } from '../ports/event-recorder.port.js';
import type { Logger } from '../ports/logger.port.js';
import { stampRequester } from '../domain/admission/requester-stamp.js';
import {
  DEFAULT_CERTIFICATE_LIFETIME_SECONDS,
  type RunningWebhook,
  startWebhook,
} from '../adapters/webhook/webhook-runner.js';

/** The reason, in the log and the Event, where nothing stamps requesters. */
export const REQUESTERS_NOT_STAMPED_REASON = 'RequestersNotStamped';

/**
 * The mutating webhook that stamps requesters, on the operator's own pods
 * (every replica, leader or not): the webhook runner with one path, its CA
 * and serving certificate in their Secret, and the caBundle of the
 * installation's MutatingWebhookConfiguration kept at that CA.
 */
export async function startRequesterWebhook(options: {
  readonly objects: ObjectApi;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly config: OperatorConfig;
  readonly stamps: HmacRequesterStamps;
  /** Overrides the configured port (0: any free one; tests). */
  readonly port?: number;
  readonly listenHost?: string;
}): Promise<RunningWebhook> {
  const { config, stamps } = options;
  const names = requesterWebhookNames(config.clusterRole);
  return await startWebhook({
    objects: options.objects,
    clock: options.clock,
    logger: options.logger.child({ component: 'requester-webhook' }),
    namespace: config.namespace,
    webhook: {
      port: options.port ?? config.requesterWebhook.port,
      service: names.service,
      tlsSecret: names.tlsSecret,
      configuration: names.configuration,
      certificateLifetimeSeconds: DEFAULT_CERTIFICATE_LIFETIME_SECONDS,
    },
    ...(options.listenHost === undefined ? {} : { listenHost: options.listenHost }),
    handlers: requesterStampHandlers(stamps),
    configurationKind: 'MutatingWebhookConfiguration',
  });
}

/** The one path of the requester webhook, signing with the installation's key. */
export const requesterStampHandlers = (stamps: HmacRequesterStamps): Readonly<Record<string, AdmissionHandler>> => ({
  [REQUESTER_WEBHOOK_PATH]: async (input, namespace) =>
    stampRequester(input, namespace, (subject) => stamps.sign(subject)),
});

/** What an administrator reads where no webhook stamps requesters: the gap, and what closes it. */
export function requestersNotStampedMessage(config: OperatorConfig): string {
  const names = requesterWebhookNames(config.clusterRole);
  return (
    `requesters are not stamped by an admission webhook here (GEFYRA_REQUESTER_WEBHOOK=off), so the requester annotations are only what ` +
    `the creator of a request writes: anyone who may create InterceptRequests in namespace ${config.namespace} can have the operator ` +
    `intercept pods they may not touch themselves in every namespace the policy allows` +
    `${config.policy.allowedNamespaces.length > 0 ? ` (${config.policy.allowedNamespaces.join(', ')})` : ' (all but the denied ones)'}. ` +
    `To close it, an administrator installs from deploy/ (kubectl apply -k deploy/), or applies its Service ${names.service} and ` +
    `MutatingWebhookConfiguration ${names.configuration}, grants this ServiceAccount patch on that configuration and get, create, patch ` +
    `on the Secrets ${names.tlsSecret} and ${names.keySecret}, and sets GEFYRA_REQUESTER_WEBHOOK=on and GEFYRA_REQUESTER_REVIEW=required ` +
    `on this Deployment; until then GEFYRA_ALLOWED_NAMESPACES bounds what can be intercepted`
  );
}

/** Said where the user looks: a Warning Event on the operator's Deployment (best effort, as every Event). */
export async function recordRequestersNotStamped(
  events: EventRecorder,
  config: OperatorConfig,
  signal: AbortSignal,
): Promise<void> {
  await events.record(
    operatorEvent(config.namespace, 'Warning', REQUESTERS_NOT_STAMPED_REASON, requestersNotStampedMessage(config)),
    signal,
  );
}

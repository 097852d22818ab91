import { createHash } from 'node:crypto';
import { isDomainError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';
import { issueWebhookTls, unusableBecause, type WebhookTls } from './webhook-certificate.js';

export interface WebhookTlsPlace {
  readonly namespace: string;
  readonly secretName: string;
  /** `<service>.<namespace>.svc`: the name the API server calls the webhook by. */
  readonly host: string;
}

const SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', caCert: 'ca.crt' } as const;
/** Two webhook replicas may start at once: each round reads, and the loser of a write race serves the winner's certificate. */
const ATTEMPTS = 5;

/**
 * The webhook's CA and serving certificate, kept in a Secret so that a
 * restart or a second replica serves the same ones (and the caBundle the
 * API server trusts stays valid). Made anew only when missing, unreadable,
 * for another host or close to expiry.
 */
export async function ensureWebhookTls(objects: ObjectApi, clock: Clock, logger: Logger, place: WebhookTlsPlace, signal: AbortSignal): Promise<WebhookTls> {
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: place.namespace, name: place.secretName };
  for (let attempt = 1; ; attempt += 1) {
    const stored = await objects.find(ref, signal, { fresh: true });
    const tls = stored === undefined ? {} : tlsOf(stored);
    const problem = stored === undefined ? 'missing' : unusableBecause(tls, place.host, clock.now());
    if (problem === undefined) return tls as WebhookTls;
    const fresh = await issueWebhookTls(place.host, clock.now());
    try {
      if (stored === undefined) await objects.create(secretOf(ref, fresh), signal);
      else await objects.patch(ref, { metadata: { resourceVersion: stored.metadata.resourceVersion }, data: dataOf(fresh) }, signal);
      logger.info({ secret: place.secretName, host: place.host, because: problem }, 'made a new CA and serving certificate for the webhook');
      return fresh;
    } catch (error) {
      if (attempt >= ATTEMPTS || !(isDomainError(error, 'AlreadyExists') || isDomainError(error, 'Conflict'))) throw error;
    }
  }
}

function tlsOf(secret: Manifest): Partial<WebhookTls> {
  const data = (secret['data'] ?? {}) as Record<string, string | undefined>;
  const decoded = (key: string) => (data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8'));
  return { cert: decoded(SECRET_KEYS.cert), key: decoded(SECRET_KEYS.key), caCert: decoded(SECRET_KEYS.caCert) };
}

const dataOf = (tls: WebhookTls): Record<string, string> =>
  Object.fromEntries(Object.entries(SECRET_KEYS).map(([field, key]) => [key, Buffer.from(tls[field as keyof WebhookTls]).toString('base64')]));

const secretOf = (ref: ObjectRef, tls: WebhookTls): Manifest => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: ref.name, namespace: ref.namespace, labels: { ...MANAGED_BY_LABELS } },
  type: 'kubernetes.io/tls',
  data: dataOf(tls),
});

export type WebhookConfigurationKind = 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration';

export interface WebhookConfigurationPlace {
  /** The configuration (the client's ValidatingWebhookConfiguration is `gefyra.dev`). */
  readonly configuration: string;
  /** Default: ValidatingWebhookConfiguration. */
  readonly kind?: WebhookConfigurationKind;
  readonly namespace: string;
  readonly service: string;
}

export type CaBundleOutcome = 'patched' | 'unchanged' | 'absent';

const CA_BUNDLE_ANNOTATION = 'gefyra.dev/ca-bundle-sha256';

/**
 * Points every webhook of the configuration that calls our Service at our
 * CA. The client's role may create and patch webhook configurations but not
 * get them, so the object is read from the answer to a patch (an annotation
 * naming the CA, a no-op when it is already there), and the webhook list is
 * written back whole, conditional on that version: a concurrent change means
 * one more round, never a lost webhook.
 */
export async function patchCaBundle(objects: ObjectApi, place: WebhookConfigurationPlace, caCert: string, signal: AbortSignal): Promise<CaBundleOutcome> {
  const ref: ObjectRef = { apiVersion: 'admissionregistration.k8s.io/v1', kind: place.kind ?? 'ValidatingWebhookConfiguration', name: place.configuration };
  const caBundle = Buffer.from(caCert).toString('base64');
  const fingerprint = createHash('sha256').update(caCert).digest('hex').slice(0, 32);
  for (let attempt = 1; ; attempt += 1) {
    let current: Manifest;
    try {
      current = await objects.patch(ref, { metadata: { annotations: { [CA_BUNDLE_ANNOTATION]: fingerprint } } }, signal);
    } catch (error) {
      if (isDomainError(error, 'NotFound')) return 'absent';
      throw error;
    }
    const webhooks = (current['webhooks'] ?? []) as Record<string, unknown>[];
    const ours = (webhook: Record<string, unknown>) => {
      const service = (webhook['clientConfig'] as { service?: { name?: string; namespace?: string } } | undefined)?.service;
      return service?.name === place.service && service.namespace === place.namespace;
    };
    const stale = webhooks.filter((webhook) => ours(webhook) && (webhook['clientConfig'] as { caBundle?: string }).caBundle !== caBundle);
    if (stale.length === 0) return 'unchanged';
    const updated = webhooks.map((webhook) =>
      ours(webhook) ? { ...webhook, clientConfig: { ...(webhook['clientConfig'] as Record<string, unknown>), caBundle } } : webhook,
    );
    try {
      await objects.patch(ref, { metadata: { resourceVersion: current.metadata.resourceVersion }, webhooks: updated }, signal);
      return 'patched';
    } catch (error) {
      if (attempt >= ATTEMPTS || !isDomainError(error, 'Conflict')) throw error;
    }
  }
}

import { createHash } from 'node:crypto';
import { isDomainError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';
import { issueWebhookTls, type WebhookTls } from './webhook-certificate.js';
import { applyRotation, rotationStep, type WebhookTlsState } from './webhook-tls-rotation.js';

export interface WebhookTlsPlace {
  readonly namespace: string;
  readonly secretName: string;
  /** `<service>.<namespace>.svc`: the name the API server calls the webhook by. */
  readonly host: string;
  /** How long each new certificate (and its CA) is valid. */
  readonly lifetimeMs: number;
}

/** Where each part of the state lives in the Secret: `tls.crt`/`tls.key`/`ca.crt` are the pair served now, as any TLS Secret has them. */
const SECRET_KEYS = { cert: 'tls.crt', key: 'tls.key', caCert: 'ca.crt' } as const;
const NEXT_KEYS = { cert: 'next.tls.crt', key: 'next.tls.key', caCert: 'next.ca.crt' } as const;
const RETIRED_CA_KEY = 'retired.ca.crt';
const SWITCH_AT_ANNOTATION = 'gefyra.dev/next-served-from';
const DROP_AT_ANNOTATION = 'gefyra.dev/retired-ca-trusted-until';
/** Two webhook replicas may write at once: each round reads, and the loser of a write race goes on from the winner's state. */
const ATTEMPTS = 5;
/** At most: issue or switch, drop, stage. */
const MAX_STEPS_PER_ROUND = 4;

/**
 * The webhook's certificates, kept in a Secret so that a restart or a second
 * replica serves the same ones and goes on with the same rotation: read,
 * brought forward to the time (rotationStep: a new pair staged, switched to,
 * the old CA dropped; a new start only when nothing stored is servable), and
 * written back conditional on the version read.
 */
export async function ensureWebhookTls(
  objects: ObjectApi,
  clock: Clock,
  logger: Logger,
  place: WebhookTlsPlace,
  signal: AbortSignal,
): Promise<WebhookTlsState> {
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: place.namespace, name: place.secretName };
  for (let attempt = 1; ; attempt += 1) {
    const stored = await objects.find(ref, signal, { fresh: true });
    let state: Partial<WebhookTlsState> | undefined = stored === undefined ? undefined : stateOf(stored);
    const steps: string[] = [];
    for (let round = 0; round < MAX_STEPS_PER_ROUND; round++) {
      const now = clock.now();
      const step = rotationStep(state, place.host, now);
      if (step.kind === 'none') break;
      const fresh =
        step.kind === 'issue' || step.kind === 'stage'
          ? await issueWebhookTls(place.host, now, place.lifetimeMs)
          : undefined;
      state = applyRotation(state, step, fresh);
      steps.push(step.kind === 'issue' ? `issue (${step.because})` : step.kind);
    }
    // 'none' is only ever the answer for a servable pair.
    const settled = state as WebhookTlsState;
    if (steps.length === 0) return settled;
    try {
      if (stored === undefined) await objects.create(secretOf(ref, settled), signal);
      else
        await objects.patch(
          ref,
          {
            metadata: { resourceVersion: stored.metadata.resourceVersion, annotations: annotationsOf(settled) },
            data: dataOf(settled),
          },
          signal,
        );
      logger.info({ secret: place.secretName, host: place.host, steps }, 'rotated the webhook certificates');
      return settled;
    } catch (error) {
      if (attempt >= ATTEMPTS || !(isDomainError(error, 'AlreadyExists') || isDomainError(error, 'Conflict')))
        throw error;
    }
  }
}

function stateOf(secret: Manifest): Partial<WebhookTlsState> {
  const data = (secret['data'] ?? {}) as Record<string, string | undefined>;
  const decoded = (key: string) =>
    data[key] === undefined ? undefined : Buffer.from(data[key], 'base64').toString('utf8');
  const pair = (keys: typeof SECRET_KEYS | typeof NEXT_KEYS): Partial<WebhookTls> => ({
    cert: decoded(keys.cert),
    key: decoded(keys.key),
    caCert: decoded(keys.caCert),
  });
  const date = (annotation: string) => {
    const value = Date.parse(secret.metadata.annotations?.[annotation] ?? '');
    return Number.isNaN(value) ? undefined : new Date(value);
  };
  const next = pair(NEXT_KEYS);
  const switchAt = date(SWITCH_AT_ANNOTATION);
  const retiredCa = decoded(RETIRED_CA_KEY);
  const dropAt = date(DROP_AT_ANNOTATION);
  return {
    active: pair(SECRET_KEYS) as WebhookTls,
    ...(next.cert !== undefined && switchAt !== undefined ? { next: { tls: next as WebhookTls, switchAt } } : {}),
    ...(retiredCa !== undefined && dropAt !== undefined ? { retired: { caCert: retiredCa, dropAt } } : {}),
  };
}

const base64 = (text: string | undefined): string | null =>
  text === undefined ? null : Buffer.from(text).toString('base64');

/** Every key, absent ones as null: a merge patch removes them. */
function dataOf(state: WebhookTlsState): Record<string, string | null> {
  return {
    ...Object.fromEntries(
      Object.entries(SECRET_KEYS).map(([field, key]) => [key, base64(state.active[field as keyof WebhookTls])]),
    ),
    ...Object.fromEntries(
      Object.entries(NEXT_KEYS).map(([field, key]) => [key, base64(state.next?.tls[field as keyof WebhookTls])]),
    ),
    [RETIRED_CA_KEY]: base64(state.retired?.caCert),
  };
}

const annotationsOf = (state: WebhookTlsState): Record<string, string | null> => ({
  [SWITCH_AT_ANNOTATION]: state.next?.switchAt.toISOString() ?? null,
  [DROP_AT_ANNOTATION]: state.retired?.dropAt.toISOString() ?? null,
});

const withoutNulls = (record: Record<string, string | null>): Record<string, string> =>
  Object.fromEntries(Object.entries(record).filter((entry): entry is [string, string] => entry[1] !== null));

const secretOf = (ref: ObjectRef, state: WebhookTlsState): Manifest => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: ref.name,
    namespace: ref.namespace,
    labels: { ...MANAGED_BY_LABELS },
    annotations: withoutNulls(annotationsOf(state)),
  },
  type: 'kubernetes.io/tls',
  data: withoutNulls(dataOf(state)),
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
 * CAs (one, or two while a renewal overlaps). The client's role may create and patch webhook configurations but not
 * get them, so the object is read from the answer to a patch (an annotation
 * naming the CA, a no-op when it is already there), and the webhook list is
 * written back whole, conditional on that version: a concurrent change means
 * one more round, never a lost webhook.
 */
export async function patchCaBundle(
  objects: ObjectApi,
  place: WebhookConfigurationPlace,
  caBundlePem: string,
  signal: AbortSignal,
): Promise<CaBundleOutcome> {
  const ref: ObjectRef = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: place.kind ?? 'ValidatingWebhookConfiguration',
    name: place.configuration,
  };
  const caBundle = Buffer.from(caBundlePem).toString('base64');
  const fingerprint = createHash('sha256').update(caBundlePem).digest('hex').slice(0, 32);
  for (let attempt = 1; ; attempt += 1) {
    let current: Manifest;
    try {
      current = await objects.patch(
        ref,
        { metadata: { annotations: { [CA_BUNDLE_ANNOTATION]: fingerprint } } },
        signal,
      );
    } catch (error) {
      if (isDomainError(error, 'NotFound')) return 'absent';
      throw error;
    }
    const webhooks = (current['webhooks'] ?? []) as Record<string, unknown>[];
    const ours = (webhook: Record<string, unknown>) => {
      const service = (webhook['clientConfig'] as { service?: { name?: string; namespace?: string } } | undefined)
        ?.service;
      return service?.name === place.service && service.namespace === place.namespace;
    };
    const stale = webhooks.filter(
      (webhook) => ours(webhook) && (webhook['clientConfig'] as { caBundle?: string }).caBundle !== caBundle,
    );
    if (stale.length === 0) return 'unchanged';
    const updated = webhooks.map((webhook) =>
      ours(webhook)
        ? { ...webhook, clientConfig: { ...(webhook['clientConfig'] as Record<string, unknown>), caBundle } }
        : webhook,
    );
    try {
      await objects.patch(
        ref,
        { metadata: { resourceVersion: current.metadata.resourceVersion }, webhooks: updated },
        signal,
      );
      return 'patched';
    } catch (error) {
      if (attempt >= ATTEMPTS || !isDomainError(error, 'Conflict')) throw error;
    }
  }
}

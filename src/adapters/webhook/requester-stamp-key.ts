import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isDomainError } from '../../domain/errors.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../ports/cluster-api.port.js';
import type { RequesterStamps, StampedSubject } from '../../ports/requester-stamps.port.js';

const KEY_FIELD = 'key';
const KEY_BYTES = 32;
/** Versioned, so that another construction later cannot be mistaken for this one. */
const STAMP_PREFIX = 'v1.';

/**
 * Stamps as an HMAC-SHA256 over kind, namespace, name, user and groups, with
 * a key kept in a Secret that only the operator's ServiceAccount reads: a
 * stamp cannot be made without the key, and one copied from another object
 * (another name, another kind) does not verify.
 */
export class HmacRequesterStamps implements RequesterStamps {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length < KEY_BYTES) throw new Error(`a requester stamp key has at least ${KEY_BYTES} bytes`);
    this.#key = key;
  }

  sign(subject: StampedSubject): string {
    return STAMP_PREFIX + this.#mac(subject).toString('base64url');
  }

  verify(subject: StampedSubject, stamp: string): boolean {
    if (!stamp.startsWith(STAMP_PREFIX)) return false;
    const given = Buffer.from(stamp.slice(STAMP_PREFIX.length), 'base64url');
    const expected = this.#mac(subject);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #mac(subject: StampedSubject): Buffer {
    const message = JSON.stringify([subject.kind, subject.namespace, subject.name, subject.user, [...subject.groups]]);
    return createHmac('sha256', this.#key).update(message).digest();
  }
}

/**
 * The key from its Secret, made (32 random bytes) when missing. Two replicas
 * starting at once: the loser of the create reads the winner's.
 */
export async function ensureStampKey(
  objects: ObjectApi,
  place: { readonly namespace: string; readonly secretName: string },
  signal: AbortSignal,
): Promise<Buffer> {
  const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', namespace: place.namespace, name: place.secretName };
  const stored = keyOf(await objects.find(ref, signal, { fresh: true }));
  if (stored !== undefined) return stored;
  const key = randomBytes(KEY_BYTES);
  const secret: Manifest = {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: place.secretName, namespace: place.namespace, labels: { ...MANAGED_BY_LABELS } },
    type: 'Opaque',
    data: { [KEY_FIELD]: key.toString('base64') },
  };
  try {
    await objects.create(secret, signal);
    return key;
  } catch (error) {
    if (!isDomainError(error, 'AlreadyExists')) throw error;
    const winner = keyOf(await objects.find(ref, signal, { fresh: true }));
    if (winner === undefined) {
      throw new Error(
        `Secret ${place.namespace}/${place.secretName} holds no usable requester stamp key (field "${KEY_FIELD}", ${KEY_BYTES} bytes or more)`,
        { cause: error },
      );
    }
    return winner;
  }
}

function keyOf(secret: Manifest | undefined): Buffer | undefined {
  const encoded = ((secret?.['data'] ?? {}) as Record<string, string | undefined>)[KEY_FIELD];
  const key = encoded === undefined ? undefined : Buffer.from(encoded, 'base64');
  return key !== undefined && key.length >= KEY_BYTES ? key : undefined;
}

import { isRecord, stringMapAt, type JsonRecord } from '../../../domain/json-reading.js';
import type { Manifest } from '../../../ports/cluster-api.port.js';

/** The Gefyra 2 kinds' API version (contract §2): lowercase kinds, fields at the top level, no status subresource. */
export const GEFYRA2_OBJECT_API_VERSION = 'gefyra.dev/v1';

export interface Gefyra2ObjectRef {
  readonly namespace: string;
  readonly name: string;
}

/** What every stored Gefyra 2 object has, as the stores write it back. */
export interface Gefyra2Object extends Gefyra2ObjectRef {
  readonly uid: string;
  readonly resourceVersion: string;
  /** creationTimestamp as written (RFC 3339). */
  readonly createdAt: string;
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** As stored; REQUESTED when absent, as the CRD defaults it. */
  readonly state: string;
  readonly stateTransitions: Readonly<Record<string, string>>;
  readonly sunset: Date | 'invalid' | undefined;
  /** `status.failure`: why it is in ERROR, so that the way out can be recognised. */
  readonly failure: { readonly reason: string; readonly message: string } | undefined;
}

/** The fields every Gefyra 2 kind shares, read leniently from a stored object. */
export function gefyra2ObjectFrom(object: Manifest): Gefyra2Object {
  const { metadata } = object;
  const failure = record(record(object['status'])['failure']);
  const sunset = object['sunset'];
  const parsedSunset = typeof sunset === 'string' && sunset !== '' ? new Date(sunset) : undefined;
  return {
    namespace: metadata.namespace ?? '',
    name: metadata.name,
    uid: metadata.uid ?? '',
    resourceVersion: metadata.resourceVersion ?? '',
    createdAt: metadata.creationTimestamp ?? '',
    deleting: metadata.deletionTimestamp !== undefined,
    finalizers: metadata.finalizers ?? [],
    labels: metadata.labels ?? {},
    state: typeof object['state'] === 'string' && object['state'] !== '' ? object['state'] : 'REQUESTED',
    stateTransitions: stringMapAt(object, 'stateTransitions'),
    sunset: parsedSunset === undefined ? undefined : Number.isNaN(parsedSunset.getTime()) ? 'invalid' : parsedSunset,
    failure:
      typeof failure['reason'] === 'string' && typeof failure['message'] === 'string'
        ? { reason: failure['reason'], message: failure['message'] }
        : undefined,
  };
}

export const record = (value: unknown): JsonRecord => (isRecord(value) ? value : {});

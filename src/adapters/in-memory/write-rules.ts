import { isDeepStrictEqual } from 'node:util';
import { isRecord } from '../../domain/json-reading.js';
import { invalid } from './invalid.js';
import { kindKey } from './kind-registry.js';
import { copyJson, metadataOf, type JsonObject, type StoredMetadata, type StoredObject } from './stored-object.js';

/** What a kind's rules may look at besides the object. */
export interface KindRuleContext {
  readonly what: string;
  /** Where the object lives; undefined for a cluster-scoped one. */
  readonly namespace: string | undefined;
}

/**
 * Per-kind defaulting and validation on writes; changes `next` in place.
 * `live` is undefined on create. The fake's own is `secretRules`; the
 * simulated cluster of the tests adds more.
 */
export type KindRules = (next: JsonObject, live: StoredObject | undefined, context: KindRuleContext) => void;

/**
 * Generic rules of the API server's write path: which metadata a client may
 * set, names and label values, when `generation` moves, how the status
 * subresource splits writes. The store supplies identity
 * (uid, resourceVersion) and time; kind-specific rules come from `kindRules`.
 */
export interface WriteContext extends KindRuleContext {
  readonly hasStatusSubresource: boolean;
  readonly kindRules: KindRules;
}

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

/** A new object from a client's manifest; uid, resourceVersion and creationTimestamp are added by the store. */
export function prepareCreate(manifest: JsonObject, context: WriteContext): StoredObject {
  const given = metadataOf(manifest);
  if (typeof given['resourceVersion'] === 'string' && given['resourceVersion'] !== '') {
    throw invalid(
      context.what,
      'metadata.resourceVersion',
      'resourceVersion should not be set on objects to be created',
    );
  }
  const next = copyJson(manifest);
  next['metadata'] = {
    ...clientMetadata(given, context.what),
    name: given['name'],
    ...(context.namespace === undefined ? {} : { namespace: context.namespace }),
    generation: 1,
  };
  validateName(String(given['name'] ?? ''), context.what);
  if (context.hasStatusSubresource) {
    const status = initialStatus(String(manifest['apiVersion']), String(manifest['kind']));
    if (status) next['status'] = status;
    else delete next['status'];
  }
  context.kindRules(next, undefined, context);
  return next as StoredObject;
}

export type UpdateMode = 'main' | 'status';

/**
 * The object after a write of `desired` over `live`: for the main resource,
 * everything but identity metadata and (with a status subresource) the status
 * comes from `desired`; for the status subresource only `status` does.
 */
export function prepareUpdate(
  live: StoredObject,
  desired: JsonObject,
  mode: UpdateMode,
  context: WriteContext,
): StoredObject {
  let next: JsonObject;
  if (mode === 'status') {
    next = copyJson(live) as JsonObject;
    if (desired['status'] === undefined) delete next['status'];
    else next['status'] = copyJson(desired['status']);
  } else {
    next = copyJson(desired);
    next['apiVersion'] = live.apiVersion;
    next['kind'] = live.kind;
    next['metadata'] = { ...clientMetadata(metadataOf(desired), context.what), ...identityOf(live.metadata) };
    if (context.hasStatusSubresource) {
      if (live['status'] === undefined) delete next['status'];
      else next['status'] = copyJson(live['status']);
    }
    context.kindRules(next, live, context);
  }
  const metadata = next['metadata'] as StoredMetadata;
  metadata.generation = live.metadata.generation + (specChanged(live, next) ? 1 : 0);
  return next as StoredObject;
}

/** Whether anything outside metadata and status changed: what bumps `metadata.generation`. */
export function specChanged(before: JsonObject, after: JsonObject): boolean {
  return !isDeepStrictEqual(specPart(before), specPart(after));
}

/** Whether a write would change nothing (the API server then keeps the resourceVersion). */
export function sameObject(before: StoredObject, after: StoredObject): boolean {
  const strip = (object: StoredObject): JsonObject => ({
    ...object,
    metadata: { ...object.metadata, resourceVersion: '' },
  });
  return isDeepStrictEqual(strip(before), strip(after));
}

function specPart(object: JsonObject): JsonObject {
  const { metadata: _metadata, status: _status, apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  return rest;
}

/** The metadata a client may set; everything else is the server's. */
function clientMetadata(given: JsonObject, what: string): JsonObject {
  const result: JsonObject = {};
  for (const field of ['labels', 'annotations'] as const) {
    const map = given[field];
    if (map === undefined || map === null) continue;
    if (!isRecord(map)) throw invalid(what, `metadata.${field}`, 'must be a map of strings');
    for (const [key, value] of Object.entries(map)) {
      if (typeof value !== 'string') throw invalid(what, `metadata.${field}[${key}]`, 'must be a string');
      if (field === 'labels' && (value.length > 63 || !LABEL_VALUE.test(value))) {
        throw invalid(
          what,
          `metadata.labels[${key}]`,
          `Invalid value: "${value}": a valid label must be an empty string ` +
            `or consist of alphanumeric characters, '-', '_' or '.', ` +
            `and must start and end with an alphanumeric character`,
        );
      }
    }
    if (Object.keys(map).length > 0) result[field] = { ...map };
  }
  if (Array.isArray(given['finalizers']) && given['finalizers'].length > 0)
    result['finalizers'] = [...given['finalizers']];
  if (Array.isArray(given['ownerReferences']) && given['ownerReferences'].length > 0) {
    result['ownerReferences'] = copyJson(given['ownerReferences']);
  }
  return result;
}

function identityOf(live: StoredMetadata): JsonObject {
  return {
    name: live.name,
    ...(live.namespace === undefined ? {} : { namespace: live.namespace }),
    uid: live.uid,
    resourceVersion: live.resourceVersion,
    creationTimestamp: live.creationTimestamp,
    ...(live.deletionTimestamp === undefined
      ? {}
      : { deletionTimestamp: live.deletionTimestamp, deletionGracePeriodSeconds: 0 }),
  };
}

function validateName(name: string, what: string): void {
  if (name === '') throw invalid(what, 'metadata.name', 'Required value: name or generateName is required');
  if (name.length > 253 || !DNS_SUBDOMAIN.test(name)) {
    throw invalid(
      what,
      'metadata.name',
      `Invalid value: "${name}": a lowercase RFC 1123 subdomain ` +
        `must consist of lower case alphanumeric characters, '-' or '.', ` +
        `and must start and end with an alphanumeric character`,
    );
  }
}

/** Status a kind with a status subresource starts with (the client's status is dropped on create). */
function initialStatus(apiVersion: string, kind: string): JsonObject | undefined {
  const key = kindKey(apiVersion, kind);
  if (key === '/Pod') return { phase: 'Pending', qosClass: 'BestEffort' };
  if (key === '/Namespace') return { phase: 'Active' };
  return key === '/Service' ? { loadBalancer: {} } : undefined;
}

/** The API server folds a Secret's `stringData` into base64 `data` and never stores it. */
export const secretRules: KindRules = (next) => {
  if (kindKey(String(next['apiVersion']), String(next['kind'])) !== '/Secret') return;
  next['type'] ??= 'Opaque';
  const data: JsonObject = isRecord(next['data']) ? { ...next['data'] } : {};
  if (isRecord(next['stringData'])) {
    for (const [key, value] of Object.entries(next['stringData']))
      data[key] = Buffer.from(String(value)).toString('base64');
  }
  delete next['stringData'];
  if (Object.keys(data).length > 0) next['data'] = data;
};

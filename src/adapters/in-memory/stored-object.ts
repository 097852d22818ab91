import type { Manifest, ObjectRef } from '../../ports/cluster-api.port.js';
import { isRecord } from '../../domain/json-reading.js';

/**
 * How the fake holds objects: mutable plain JSON, never shared with callers
 * (every object crosses the boundary as a deep copy, as it would over HTTP).
 */
export type JsonObject = Record<string, unknown>;

export interface StoredObject extends JsonObject {
  apiVersion: string;
  kind: string;
  metadata: StoredMetadata;
}

export interface StoredMetadata extends JsonObject {
  name: string;
  namespace?: string;
  uid: string;
  resourceVersion: string;
  generation: number;
  creationTimestamp: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  ownerReferences?: JsonObject[];
}

export const copyJson = <T>(value: T): T => structuredClone(value);

export const toManifest = (object: StoredObject): Manifest => copyJson(object) as unknown as Manifest;

/** A manifest as a mutable JSON copy, for the store to normalize. */
export const fromManifest = (manifest: Manifest): JsonObject => copyJson(manifest) as unknown as JsonObject;

export function metadataOf(object: JsonObject): JsonObject {
  const metadata = object['metadata'];
  return isRecord(metadata) ? (metadata as JsonObject) : {};
}

/** The reference a manifest names; empty strings for what it leaves out. */
export function refOfJson(object: JsonObject): ObjectRef {
  const metadata = metadataOf(object);
  return {
    apiVersion: String(object['apiVersion'] ?? ''),
    kind: String(object['kind'] ?? ''),
    name: String(metadata['name'] ?? ''),
    ...(typeof metadata['namespace'] === 'string' ? { namespace: metadata['namespace'] } : {}),
  };
}

export function refOfStored(object: StoredObject): ObjectRef {
  return {
    apiVersion: object.apiVersion,
    kind: object.kind,
    name: object.metadata.name,
    ...(object.metadata.namespace === undefined ? {} : { namespace: object.metadata.namespace }),
  };
}

/** metav1.Time: RFC 3339 with seconds precision, as the API server stores it. */
export function timestamp(date: Date): string {
  return new Date(Math.floor(date.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

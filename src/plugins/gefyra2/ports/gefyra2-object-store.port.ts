import type { Gefyra2Object, Gefyra2ObjectRef } from '../domain/gefyra2-object.js';
import type { StoredBridge } from '../domain/bridge/gefyra-bridge.js';
import type { StoredMount } from '../domain/mount/bridge-mount.js';

/**
 * Gefyra2ObjectStore: one of Gefyra 2's kinds (gefyra.dev/v1), whose fields
 * are top-level and which have no status subresource: every write is a merge
 * patch conditional on the version it was read at (Conflict otherwise,
 * retried by the runtime from a fresh read).
 */
export interface Gefyra2ObjectStore<T extends Gefyra2Object> {
  find(ref: Gefyra2ObjectRef, signal: AbortSignal): Promise<T | undefined>;
  /** The objects of the namespace, optionally those with all of `labels`. */
  list(namespace: string, labels: Readonly<Record<string, string>> | undefined, signal: AbortSignal): Promise<T[]>;
  /** Top-level fields to set; `null` removes one. Returns the object as written. */
  update(object: T, fields: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<T>;
  addFinalizer(object: T, signal: AbortSignal): Promise<T>;
  /** Releases the operator's finalizer; an object already gone is fine. */
  removeFinalizer(object: T, signal: AbortSignal): Promise<void>;
  /** Deletes this incarnation of the object (its finalizer then runs the clean-up); gone is fine. */
  remove(object: Gefyra2ObjectRef & { readonly uid: string }, signal: AbortSignal): Promise<void>;
}

export type GefyraBridgeMountStore = Gefyra2ObjectStore<StoredMount>;
export type GefyraBridgeStore = Gefyra2ObjectStore<StoredBridge>;

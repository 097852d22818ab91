import type { GefyraClient, GefyraClientRef } from '../domain/client/gefyra-client.js';

/**
 * GefyraClientStore: Gefyra 2's `gefyraclients` (gefyra.dev/v1), whose
 * fields are top-level and which have no status subresource: every write is
 * a merge patch of the object, conditional on the version it was read at
 * (Conflict otherwise, retried by the runtime from a fresh read).
 */
export interface GefyraClientStore {
  find(ref: GefyraClientRef, signal: AbortSignal): Promise<GefyraClient | undefined>;
  /** Every client in the namespace (the ones whose names spell the same peer id are compared). */
  list(namespace: string, signal: AbortSignal): Promise<GefyraClient[]>;
  /** Top-level fields to set; `null` removes one. Returns the client as written. */
  update(client: GefyraClient, fields: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<GefyraClient>;
  addFinalizer(client: GefyraClient, signal: AbortSignal): Promise<GefyraClient>;
  removeFinalizer(client: GefyraClient, signal: AbortSignal): Promise<void>;
  /** Deletes the object (its finalizer then runs the clean-up). */
  remove(client: GefyraClient, signal: AbortSignal): Promise<void>;
}

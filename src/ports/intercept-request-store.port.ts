import type { InterceptRequest, InterceptRequestRef } from '../domain/intercept-request/intercept-request.js';
import type { InterceptStatus } from '../domain/intercept-request/intercept-status.js';

/**
 * InterceptRequestStore: the InterceptRequest objects the Gefyra client
 * creates, read as domain requests and written back only in the ways the
 * operator owns: its finalizer, `established`, and the status subresource.
 */
export interface InterceptRequestStore {
  find(ref: InterceptRequestRef, signal: AbortSignal): Promise<InterceptRequest | undefined>;
  list(signal: AbortSignal): Promise<InterceptRequest[]>;
  /** Adds or removes the finalizer; Conflict if the request changed since it was read. */
  setFinalizer(request: InterceptRequest, present: boolean, signal: AbortSignal): Promise<InterceptRequest>;
  /**
   * Sets the top-level `established` field the client polls. For a custom
   * resource this bumps `metadata.generation`; the updated request says by how much.
   */
  setEstablished(request: InterceptRequest, established: boolean, signal: AbortSignal): Promise<InterceptRequest>;
  writeStatus(request: InterceptRequest, status: InterceptStatus, signal: AbortSignal): Promise<void>;
  /** Deletes the request (used by a reset); absent is fine. */
  remove(ref: InterceptRequestRef, signal: AbortSignal): Promise<void>;
}

import {
  INTERCEPT_REQUEST_API_VERSION,
  INTERCEPT_REQUEST_KIND,
  type InterceptRequest,
  type InterceptRequestRef,
  parseInterceptRequest,
} from '../../../domain/intercept-request/intercept-request.js';
import type { InterceptStatus } from '../../../domain/intercept-request/intercept-status.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../../ports/cluster-api.port.js';
import type { InterceptRequestStore } from '../../../ports/intercept-request-store.port.js';

const refOf = (request: InterceptRequestRef): ObjectRef => ({
  apiVersion: INTERCEPT_REQUEST_API_VERSION,
  kind: INTERCEPT_REQUEST_KIND,
  namespace: request.namespace,
  name: request.name,
});

/** Where the status is kept when the credentials may not write the `status` subresource (the Gefyra client's role). */
export const STATUS_ANNOTATION = 'gefyra.dev/status';

/** How the status is written: its subresource, or (without the right to) an annotation of the request. */
export type StatusWrites = 'subresource' | 'annotation';

/**
 * InterceptRequests of one namespace (where the Gefyra client creates them),
 * on any ClusterApi. Finalizer changes are conditional on the version read,
 * so a concurrent edit is never overwritten.
 */
export class ClusterInterceptRequestStore implements InterceptRequestStore {
  readonly #objects: ObjectApi;
  readonly #namespace: string;
  readonly #finalizer: string;
  readonly #statusWrites: StatusWrites;

  /**
   * With `statusWrites: 'annotation'` the status (the operator's durable
   * progress: loaded routes, Carrier's configuration) lives in an annotation:
   * metadata changes do not bump the generation, so it holds without the
   * subresource; users still see the outcome in `established` and Events.
   */
  constructor(objects: ObjectApi, namespace: string, finalizer: string, statusWrites: StatusWrites = 'subresource') {
    this.#objects = objects;
    this.#namespace = namespace;
    this.#finalizer = finalizer;
    this.#statusWrites = statusWrites;
  }

  async find(ref: InterceptRequestRef, signal: AbortSignal): Promise<InterceptRequest | undefined> {
    const object = await this.#objects.find(refOf(ref), signal);
    return object && this.#parse(object);
  }

  async list(signal: AbortSignal): Promise<InterceptRequest[]> {
    const objects = await this.#objects.list(
      { apiVersion: INTERCEPT_REQUEST_API_VERSION, kind: INTERCEPT_REQUEST_KIND },
      this.#namespace,
      undefined,
      signal,
    );
    return objects.map((object) => this.#parse(object));
  }

  async setFinalizer(request: InterceptRequest, present: boolean, signal: AbortSignal): Promise<InterceptRequest> {
    const others = request.finalizers.filter((finalizer) => finalizer !== this.#finalizer);
    const finalizers = present ? [...others, this.#finalizer] : others;
    const updated = await this.#objects.patch(
      refOf(request),
      { metadata: { finalizers, resourceVersion: request.resourceVersion } },
      signal,
    );
    return this.#parse(updated);
  }

  async setEstablished(
    request: InterceptRequest,
    established: boolean,
    signal: AbortSignal,
  ): Promise<InterceptRequest> {
    return this.#parse(await this.#objects.patch(refOf(request), { established }, signal));
  }

  async writeStatus(request: InterceptRequest, status: InterceptStatus, signal: AbortSignal): Promise<void> {
    if (this.#statusWrites === 'annotation') {
      await this.#objects.patch(
        refOf(request),
        { metadata: { annotations: { [STATUS_ANNOTATION]: JSON.stringify(status) } } },
        signal,
      );
      return;
    }
    // A merge patch keeps fields it does not mention: clear the ones the new status drops.
    const cleared = Object.fromEntries(
      Object.keys(request.status)
        .filter((key) => !(key in status))
        .map((key) => [key, null]),
    );
    await this.#objects.patch(refOf(request), { status: { ...cleared, ...status } }, signal, { subresource: 'status' });
  }

  #parse(object: Manifest): InterceptRequest {
    const kept = this.#statusWrites === 'annotation' ? object.metadata.annotations?.[STATUS_ANNOTATION] : undefined;
    return parseInterceptRequest(kept === undefined ? object : { ...object, status: parseKeptStatus(kept) });
  }

  async remove(ref: InterceptRequestRef, signal: AbortSignal): Promise<void> {
    await this.#objects.remove(refOf(ref), signal);
  }
}

/** An unreadable kept status counts as none: the next pass observes the cluster and writes it again. */
function parseKeptStatus(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return {};
  }
}

import {
  INTERCEPT_REQUEST_API_VERSION,
  INTERCEPT_REQUEST_KIND,
  type InterceptRequest,
  type InterceptRequestRef,
  parseInterceptRequest,
} from '../../domain/intercept-request/intercept-request.js';
import type { InterceptStatus } from '../../domain/intercept-request/intercept-status.js';
import type { ObjectApi, ObjectRef } from '../../ports/cluster-api.port.js';
import type { InterceptRequestStore } from '../../ports/intercept-request-store.port.js';

const refOf = (request: InterceptRequestRef): ObjectRef => ({
  apiVersion: INTERCEPT_REQUEST_API_VERSION,
  kind: INTERCEPT_REQUEST_KIND,
  namespace: request.namespace,
  name: request.name,
});

/**
 * InterceptRequests of one namespace (where the Gefyra client creates them),
 * on any ClusterApi. Finalizer changes are conditional on the version read,
 * so a concurrent edit is never overwritten.
 */
export class ClusterInterceptRequestStore implements InterceptRequestStore {
  readonly #objects: ObjectApi;
  readonly #namespace: string;
  readonly #finalizer: string;

  constructor(objects: ObjectApi, namespace: string, finalizer: string) {
    this.#objects = objects;
    this.#namespace = namespace;
    this.#finalizer = finalizer;
  }

  async find(ref: InterceptRequestRef, signal: AbortSignal): Promise<InterceptRequest | undefined> {
    const object = await this.#objects.find(refOf(ref), signal);
    return object && parseInterceptRequest(object);
  }

  async list(signal: AbortSignal): Promise<InterceptRequest[]> {
    const objects = await this.#objects.list(
      { apiVersion: INTERCEPT_REQUEST_API_VERSION, kind: INTERCEPT_REQUEST_KIND },
      this.#namespace,
      undefined,
      signal,
    );
    return objects.map((object) => parseInterceptRequest(object));
  }

  async setFinalizer(request: InterceptRequest, present: boolean, signal: AbortSignal): Promise<InterceptRequest> {
    const others = request.finalizers.filter((finalizer) => finalizer !== this.#finalizer);
    const finalizers = present ? [...others, this.#finalizer] : others;
    const updated = await this.#objects.patch(
      refOf(request),
      { metadata: { finalizers, resourceVersion: request.resourceVersion } },
      signal,
    );
    return parseInterceptRequest(updated);
  }

  async setEstablished(request: InterceptRequest, established: boolean, signal: AbortSignal): Promise<InterceptRequest> {
    return parseInterceptRequest(await this.#objects.patch(refOf(request), { established }, signal));
  }

  async writeStatus(request: InterceptRequest, status: InterceptStatus, signal: AbortSignal): Promise<void> {
    // A merge patch keeps fields it does not mention: clear the ones the new status drops.
    const cleared = Object.fromEntries(
      Object.keys(request.status)
        .filter((key) => !(key in status))
        .map((key) => [key, null]),
    );
    await this.#objects.patch(refOf(request), { status: { ...cleared, ...status } }, signal, { subresource: 'status' });
  }

  async remove(ref: InterceptRequestRef, signal: AbortSignal): Promise<void> {
    await this.#objects.remove(refOf(ref), signal);
  }
}


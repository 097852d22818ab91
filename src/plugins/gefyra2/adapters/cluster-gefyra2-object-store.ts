import { GEFYRA_FINALIZER } from '../domain/lifecycle.js';
import { GEFYRA2_OBJECT_API_VERSION, type Gefyra2Object, type Gefyra2ObjectRef } from '../domain/gefyra2-object.js';
import { isDomainError } from '../../../domain/errors.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../../ports/cluster-api.port.js';
import type { Gefyra2ObjectStore } from '../ports/gefyra2-object-store.port.js';

/**
 * One Gefyra 2 kind on any ObjectApi. Every write is a merge patch
 * conditional on the version read (no status subresource: `state` and
 * `status` are plain fields), so a concurrent change by the client is never
 * overwritten: the Conflict goes back to the runtime, which retries from a
 * fresh read.
 */
export class ClusterGefyra2ObjectStore<T extends Gefyra2Object> implements Gefyra2ObjectStore<T> {
  readonly #objects: ObjectApi;
  readonly #kind: string;
  readonly #read: (object: Manifest) => T;

  constructor(objects: ObjectApi, kind: string, read: (object: Manifest) => T) {
    this.#objects = objects;
    this.#kind = kind;
    this.#read = read;
  }

  async find(ref: Gefyra2ObjectRef, signal: AbortSignal): Promise<T | undefined> {
    const object = await this.#objects.find(this.#ref(ref), signal);
    return object && this.#read(object);
  }

  async list(
    namespace: string,
    labels: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal,
  ): Promise<T[]> {
    const kind = { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: this.#kind };
    return (await this.#objects.list(kind, namespace, labels, signal)).map(this.#read);
  }

  async update(object: T, fields: Readonly<Record<string, unknown>>, signal: AbortSignal): Promise<T> {
    const patch = { ...fields, metadata: { resourceVersion: object.resourceVersion } };
    return this.#read(await this.#objects.patch(this.#ref(object), patch, signal));
  }

  async addFinalizer(object: T, signal: AbortSignal): Promise<T> {
    const finalizers = [...object.finalizers.filter((entry) => entry !== GEFYRA_FINALIZER), GEFYRA_FINALIZER];
    return this.#read(
      await this.#objects.patch(
        this.#ref(object),
        { metadata: { finalizers, resourceVersion: object.resourceVersion } },
        signal,
      ),
    );
  }

  async removeFinalizer(object: T, signal: AbortSignal): Promise<void> {
    const finalizers = object.finalizers.filter((entry) => entry !== GEFYRA_FINALIZER);
    try {
      await this.#objects.patch(
        this.#ref(object),
        { metadata: { finalizers, resourceVersion: object.resourceVersion } },
        signal,
      );
    } catch (error) {
      if (!isDomainError(error, 'NotFound')) throw error;
    }
  }

  async remove(object: Gefyra2ObjectRef & { readonly uid: string }, signal: AbortSignal): Promise<void> {
    await this.#objects.remove(this.#ref(object), signal, { uid: object.uid });
  }

  #ref(ref: Gefyra2ObjectRef): ObjectRef {
    return { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: this.#kind, namespace: ref.namespace, name: ref.name };
  }
}

import { GEFYRA_FINALIZER } from '../domain/lifecycle.js';
import {
  clientObjectRef,
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
  gefyraClientFrom,
  type GefyraClient,
  type GefyraClientRef,
} from '../domain/client/gefyra-client.js';
import { isDomainError } from '../../../domain/errors.js';
import type { ObjectApi } from '../../../ports/cluster-api.port.js';
import type { GefyraClientStore } from '../ports/gefyra-client-store.port.js';

/**
 * GefyraClients on any ObjectApi. Every write is a merge patch conditional on
 * the version read (no status subresource: `state` and `status` are plain
 * fields), so a concurrent change by the client is never overwritten.
 */
export class ClusterGefyraClientStore implements GefyraClientStore {
  readonly #objects: ObjectApi;

  constructor(objects: ObjectApi) {
    this.#objects = objects;
  }

  async find(ref: GefyraClientRef, signal: AbortSignal): Promise<GefyraClient | undefined> {
    const object = await this.#objects.find(clientObjectRef(ref), signal);
    return object && gefyraClientFrom(object);
  }

  async list(namespace: string, signal: AbortSignal): Promise<GefyraClient[]> {
    const objects = await this.#objects.list(
      { apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND },
      namespace,
      undefined,
      signal,
    );
    return objects.map(gefyraClientFrom);
  }

  async update(
    client: GefyraClient,
    fields: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<GefyraClient> {
    const patch = { ...fields, metadata: { resourceVersion: client.resourceVersion } };
    return gefyraClientFrom(await this.#objects.patch(clientObjectRef(client), patch, signal));
  }

  async addFinalizer(client: GefyraClient, signal: AbortSignal): Promise<GefyraClient> {
    const finalizers = [...client.finalizers.filter((entry) => entry !== GEFYRA_FINALIZER), GEFYRA_FINALIZER];
    return gefyraClientFrom(
      await this.#objects.patch(
        clientObjectRef(client),
        { metadata: { finalizers, resourceVersion: client.resourceVersion } },
        signal,
      ),
    );
  }

  async removeFinalizer(client: GefyraClient, signal: AbortSignal): Promise<void> {
    const finalizers = client.finalizers.filter((entry) => entry !== GEFYRA_FINALIZER);
    try {
      await this.#objects.patch(
        clientObjectRef(client),
        { metadata: { finalizers, resourceVersion: client.resourceVersion } },
        signal,
      );
    } catch (error) {
      if (!isDomainError(error, 'NotFound')) throw error;
    }
  }

  async remove(client: GefyraClient, signal: AbortSignal): Promise<void> {
    await this.#objects.remove(clientObjectRef(client), signal, { uid: client.uid });
  }
}

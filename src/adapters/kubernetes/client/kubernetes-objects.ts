import { isDomainError } from '../../../domain/errors.js';
import type { Manifest, ObjectApi, ObjectRef } from '../../../ports/cluster-api.port.js';
import type { RequestAction } from './api-errors.js';
import type { KubeHttp } from './kube-http.js';
import { toManifest, labelSelector, type KindRef } from './served-objects.js';
import {
  qualifiedResource,
  requireNamespace,
  resourcePath,
  scopedNamespace,
  type ResourceCatalog,
  type ResourceInfo,
} from './resource-catalog.js';

const APPLY_PATCH = 'application/apply-patch+yaml';
const MERGE_PATCH = 'application/merge-patch+json';
/** Large enough that a list is usually one request, small enough to bound one answer's size. */
const PAGE_SIZE = 500;

interface ListPage {
  readonly items?: readonly unknown[];
  readonly metadata?: { readonly continue?: string; readonly resourceVersion?: string };
}

/** Where a request goes and how its failure is described. */
interface Target {
  readonly info: ResourceInfo;
  readonly path: string;
  readonly action: (verb: string, subresource?: string) => RequestAction;
}

/**
 * ObjectApi on the API server: any kind, through discovery. Writes carry the
 * operator's field manager; `apply` is server-side apply with `force`, so the
 * operator takes over the fields it names and leaves everyone else's alone.
 */
export class KubernetesObjects implements ObjectApi {
  readonly #http: KubeHttp;
  readonly #catalog: ResourceCatalog;
  readonly #fieldManager: string;

  constructor(http: KubeHttp, catalog: ResourceCatalog, fieldManager: string) {
    this.#http = http;
    this.#catalog = catalog;
    this.#fieldManager = fieldManager;
  }

  async find(ref: ObjectRef, signal: AbortSignal): Promise<Manifest | undefined> {
    const target = await this.target(ref, ref.namespace, ref.name, signal);
    try {
      return toManifest(
        await this.#http.send({ method: 'GET', path: target.path, action: target.action('get'), signal }),
        ref,
      );
    } catch (error) {
      if (isDomainError(error, 'NotFound')) return undefined;
      throw error;
    }
  }

  async list(
    kind: KindRef,
    namespace: string | undefined,
    labels: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal,
  ): Promise<Manifest[]> {
    const { items } = await this.listPages(kind, namespace, labels, signal);
    return items;
  }

  /** The whole list, page by page, with the collection's resourceVersion (a watch starts there). */
  async listPages(
    kind: KindRef,
    namespace: string | undefined,
    labels: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal,
  ): Promise<{ items: Manifest[]; resourceVersion: string }> {
    const target = await this.target(kind, namespace, undefined, signal);
    const items: Manifest[] = [];
    let resourceVersion = '';
    let next: string | undefined;
    do {
      const page = (await this.#http.send({
        method: 'GET',
        path: target.path,
        query: { labelSelector: labelSelector(labels), limit: PAGE_SIZE, continue: next },
        action: target.action('list'),
        signal,
      })) as ListPage;
      for (const item of page.items ?? []) items.push(toManifest(item, kind));
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      next = page.metadata?.continue === '' ? undefined : page.metadata?.continue;
    } while (next !== undefined);
    return { items, resourceVersion };
  }

  async apply(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    const target = await this.target(manifest, manifest.metadata.namespace, manifest.metadata.name, signal);
    const answer = await this.#http.send({
      method: 'PATCH',
      path: target.path,
      query: { fieldManager: this.#fieldManager, force: true },
      body: requestBody(manifest, target.info),
      contentType: APPLY_PATCH,
      action: target.action('patch'),
      signal,
    });
    return toManifest(answer, manifest);
  }

  async create(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    const target = await this.target(manifest, manifest.metadata.namespace, undefined, signal);
    requireNamespace(target.info, manifest.metadata.namespace, manifest.metadata.name);
    const answer = await this.#http.send({
      method: 'POST',
      path: target.path,
      // Reviews are answered, never stored: their metadata must stay empty, managed fields included.
      query: target.info.group === 'authorization.k8s.io' ? {} : { fieldManager: this.#fieldManager },
      body: requestBody(manifest, target.info),
      action: { ...target.action('create'), name: manifest.metadata.name },
      signal,
    });
    return toManifest(answer, manifest);
  }

  async replace(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    const target = await this.target(manifest, manifest.metadata.namespace, manifest.metadata.name, signal);
    const answer = await this.#http.send({
      method: 'PUT',
      path: target.path,
      query: { fieldManager: this.#fieldManager },
      body: requestBody(manifest, target.info),
      action: target.action('update'),
      signal,
    });
    return toManifest(answer, manifest);
  }

  async patch(
    ref: ObjectRef,
    mergePatch: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
    options: { readonly subresource?: 'status' } = {},
  ): Promise<Manifest> {
    const target = await this.target(ref, ref.namespace, ref.name, signal, options.subresource);
    const answer = await this.#http.send({
      method: 'PATCH',
      path: target.path,
      query: { fieldManager: this.#fieldManager },
      body: mergePatch,
      contentType: MERGE_PATCH,
      action: target.action('patch', options.subresource),
      signal,
    });
    return toManifest(answer, ref);
  }

  async remove(ref: ObjectRef, signal: AbortSignal, options: { readonly uid?: string } = {}): Promise<void> {
    const target = await this.target(ref, ref.namespace, ref.name, signal);
    try {
      await this.#http.send({
        method: 'DELETE',
        path: target.path,
        body: {
          apiVersion: 'v1',
          kind: 'DeleteOptions',
          ...(options.uid === undefined ? {} : { preconditions: { uid: options.uid } }),
        },
        action: target.action('delete'),
        signal,
      });
    } catch (error) {
      if (isDomainError(error, 'NotFound')) return;
      throw error;
    }
  }

  /** Where a kind (one object, or its collection) lives, and how to name a request on it in errors. */
  async target(
    kind: KindRef,
    namespace: string | undefined,
    name: string | undefined,
    signal: AbortSignal,
    subresource?: string,
  ): Promise<Target> {
    const info = await this.#catalog.resolve(kind.apiVersion, kind.kind, signal);
    const scoped = scopedNamespace(info, namespace);
    return {
      info,
      path: resourcePath(info, scoped, name, subresource),
      action: (verb, sub) => ({
        verb,
        resource: qualifiedResource(info),
        ...(sub === undefined ? {} : { subresource: sub }),
        ...(scoped === undefined ? {} : { namespace: scoped }),
        ...(name === undefined ? {} : { name }),
      }),
    };
  }
}

/**
 * What is sent for a whole object: without `managedFields` (apply refuses
 * them; an update without them keeps the server's) and without a namespace
 * on cluster-scoped kinds, which the path already leaves out.
 */
function requestBody(manifest: Manifest, info: ResourceInfo): Manifest {
  const {
    managedFields: _managedFields,
    namespace,
    ...metadata
  } = manifest.metadata as Manifest['metadata'] & { managedFields?: unknown };
  return { ...manifest, metadata: info.namespaced && namespace !== undefined ? { ...metadata, namespace } : metadata };
}

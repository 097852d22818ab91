import { DomainError, isDomainError } from '../../../domain/errors.js';
import { abortError, type RequestAction } from './api-errors.js';
import type { KubeHttp } from './kube-http.js';

/** How the API server serves one kind: its URL segment and scope. */
export interface ResourceInfo {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  /** Plural resource name, the URL segment: `configmaps`. */
  readonly plural: string;
  readonly namespaced: boolean;
}

interface ApiResourceList {
  readonly resources?: readonly { readonly name?: string; readonly kind?: string; readonly namespaced?: boolean }[];
}

/**
 * Maps apiVersion + kind to resource paths through API discovery
 * (`/api/v1`, `/apis/<group>/<version>`), cached per group version. A kind
 * missing from the cache is looked up again, because a CustomResourceDefinition
 * may have been installed since; misses are rare (they are errors), so no
 * negative cache is kept. Concurrent lookups of one group version share a
 * single discovery request: a restarted operator resolves the same kind from
 * dozens of reconciles at once.
 */
export class ResourceCatalog {
  readonly #http: KubeHttp;
  readonly #byGroupVersion = new Map<string, ReadonlyMap<string, ResourceInfo>>();
  readonly #inFlight = new Map<string, Promise<ReadonlyMap<string, ResourceInfo>>>();

  constructor(http: KubeHttp) {
    this.#http = http;
  }

  async resolve(apiVersion: string, kind: string, signal: AbortSignal): Promise<ResourceInfo> {
    const cached = this.#byGroupVersion.get(apiVersion)?.get(kind);
    if (cached) return cached;
    const fresh = await untilAborted(this.#sharedDiscovery(apiVersion), signal);
    const found = fresh.get(kind);
    if (!found) throw notServed(apiVersion, kind);
    return found;
  }

  #sharedDiscovery(apiVersion: string): Promise<ReadonlyMap<string, ResourceInfo>> {
    let pending = this.#inFlight.get(apiVersion);
    if (!pending) {
      // Not bound to any one caller's signal, since others wait on it too; the
      // timeout keeps a hung API server from holding every waiter forever.
      pending = this.#discover(apiVersion, AbortSignal.timeout(DISCOVERY_TIMEOUT_MS)).finally(() =>
        this.#inFlight.delete(apiVersion),
      );
      this.#inFlight.set(apiVersion, pending);
    }
    return pending;
  }

  async #discover(apiVersion: string, signal: AbortSignal): Promise<ReadonlyMap<string, ResourceInfo>> {
    const { group, version } = splitApiVersion(apiVersion);
    const action: RequestAction = { verb: 'discover', resource: `the kinds served under ${apiVersion}` };
    let list: ApiResourceList;
    try {
      list = ((await this.#http.send({ method: 'GET', path: groupVersionPath(group, version), action, signal })) ??
        {}) as ApiResourceList;
    } catch (error) {
      if (isDomainError(error, 'NotFound')) throw notServed(apiVersion, undefined);
      throw error;
    }
    const byKind = new Map<string, ResourceInfo>();
    for (const resource of list.resources ?? []) {
      // Subresources (`pods/status`) share their parent's kind; the parent is the one wanted.
      if (resource.name === undefined || resource.kind === undefined || resource.name.includes('/')) continue;
      byKind.set(resource.kind, {
        group,
        version,
        kind: resource.kind,
        plural: resource.name,
        namespaced: resource.namespaced === true,
      });
    }
    this.#byGroupVersion.set(apiVersion, byKind);
    return byKind;
  }
}

const DISCOVERY_TIMEOUT_MS = 30_000;

/** Waits for a shared promise, giving up (without cancelling it) when this caller's signal aborts. */
function untilAborted<T>(shared: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abortError(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash === -1
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

function groupVersionPath(group: string, version: string): string {
  return group === ''
    ? `/api/${encodeURIComponent(version)}`
    : `/apis/${encodeURIComponent(group)}/${encodeURIComponent(version)}`;
}

/** `pods`, `deployments.apps`: the name RBAC rules and messages use. */
export function qualifiedResource(info: ResourceInfo): string {
  return info.group === '' ? info.plural : `${info.plural}.${info.group}`;
}

/**
 * The URL path of a collection (no name) or of one object, optionally a
 * subresource. Namespaced kinds need a namespace except for a collection,
 * which then spans all namespaces; cluster-scoped kinds ignore one.
 */
export function resourcePath(
  info: ResourceInfo,
  namespace: string | undefined,
  name?: string,
  subresource?: string,
): string {
  let path = groupVersionPath(info.group, info.version);
  if (info.namespaced) {
    if (namespace === undefined || namespace === '') {
      if (name !== undefined) throw namespaceRequired(info, name);
    } else {
      path += `/namespaces/${encodeURIComponent(namespace)}`;
    }
  }
  path += `/${info.plural}`;
  if (name !== undefined) path += `/${encodeURIComponent(name)}`;
  if (subresource !== undefined) path += `/${subresource}`;
  return path;
}

/** The namespace an object of this kind lives in: none for cluster-scoped kinds. */
export function scopedNamespace(info: ResourceInfo, namespace: string | undefined): string | undefined {
  return info.namespaced && namespace !== '' ? namespace : undefined;
}

/** Fails for a namespaced kind without a namespace: writes need one even where a list does not. */
export function requireNamespace(info: ResourceInfo, namespace: string | undefined, name: string): void {
  if (info.namespaced && (namespace === undefined || namespace === '')) throw namespaceRequired(info, name);
}

function namespaceRequired(info: ResourceInfo, name: string): DomainError {
  return new DomainError('Invalid', `${info.kind} ${name} is namespaced: metadata.namespace is required`, {
    retryable: false,
    details: { kind: info.kind, name },
  });
}

function notServed(apiVersion: string, kind: string | undefined): DomainError {
  const what = kind === undefined ? apiVersion : `kind ${kind} in ${apiVersion}`;
  return new DomainError(
    'NotFound',
    `the API server does not serve ${what}; for a custom resource, is its CustomResourceDefinition installed and Established?`,
    { details: { apiVersion, ...(kind === undefined ? {} : { kind }), reason: 'KindNotServed' } },
  );
}

import { DomainError, isDomainError } from '../../../domain/errors.js';
import type { Route } from '../../../domain/routes/route.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import type { Manifest, ObjectApi, ObjectRef, ReadOptions } from '../../../ports/cluster-api.port.js';
import type { RouteStore, RouteTable } from '../../../ports/route-store.port.js';
import { parseProxyRouteValue, proxyRouteValue } from '../../shared/proxy-route-value.js';
import {
  bridgeOwnerOf,
  type EntryOwner,
  MAX_CLIENT_LENGTH,
  parseEntryOwners,
  renderEntryOwners,
  ROUTE_OWNERS_ANNOTATION,
  routeEntryKey,
  routeOwnerId,
} from './stowaway2-route-entries.js';
import { STOWAWAY2 } from './stowaway2-names.js';

interface ParsedTable extends RouteTable {
  readonly version: string;
  readonly metadata: Manifest['metadata'];
  /** Entries with no owner record of ours (the original operator's, or edited by hand): kept as they are. */
  readonly foreign: Readonly<Record<string, string>>;
}

/**
 * Gefyra 2's route table where Stowaway 2.x reads it: the data of
 * `gefyra-stowaway-proxyroutes`, with its owners in an annotation of the same
 * object (stowaway2-route-entries.ts). Saves replace the ConfigMap only at
 * the resourceVersion that was loaded, so a writer that lost a race gets a
 * Conflict and the RouteService replans on a fresh load. Entries this
 * operator did not write stay, and their ports stay taken.
 */
export class Stowaway2RouteStore implements RouteStore {
  /** Owners are `<client>/<bridge>`: a bridge name is a Kubernetes name; the client is checked where routes are asked for. */
  readonly maxOwnerLength = MAX_CLIENT_LENGTH + '/'.length + 253;
  readonly #objects: ObjectApi;
  readonly #ref: ObjectRef;
  /** The table last parsed, by resourceVersion. */
  #parsed: ParsedTable | undefined;

  constructor(objects: ObjectApi, namespace: string) {
    this.#objects = objects;
    this.#ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: STOWAWAY2.routesConfigMap };
  }

  async load(signal: AbortSignal, options: ReadOptions = {}): Promise<RouteTable> {
    const table = await this.#load(signal, options);
    return { routes: table?.routes ?? [], version: table?.version };
  }

  /** The proxy ports of entries this operator did not write: no bridge may get them. */
  async foreignPorts(signal: AbortSignal): Promise<number[]> {
    const table = await this.#load(signal, {});
    return Object.values(table?.foreign ?? {}).flatMap((value) => parseProxyRouteValue(value)?.proxyPort ?? []);
  }

  async save(routes: readonly Route[], basedOn: string | undefined, signal: AbortSignal): Promise<RouteTable> {
    const base = basedOn === undefined ? undefined : await this.#at(basedOn, signal);
    const data: Record<string, string> = { ...base?.foreign };
    const owners = new Map<string, EntryOwner>();
    for (const route of routes) {
      const key = routeEntryKey(route);
      data[key] = proxyRouteValue(route);
      owners.set(key, { ...bridgeOwnerOf(route.owner), containerPort: route.containerPort });
    }
    // No route, no record: the ConfigMap goes back to what Stowaway's installation made.
    const ownersAnnotation: Record<string, string> =
      owners.size === 0 ? {} : { [ROUTE_OWNERS_ANNOTATION]: renderEntryOwners(owners) };
    let saved: Manifest;
    if (base === undefined) {
      try {
        saved = await this.#objects.create(
          {
            ...this.#ref,
            metadata: {
              name: this.#ref.name,
              namespace: this.#ref.namespace,
              labels: { ...MANAGED_BY_LABELS },
              annotations: ownersAnnotation,
            },
            data,
          },
          signal,
        );
      } catch (error) {
        if (isDomainError(error, 'AlreadyExists'))
          throw new DomainError('Conflict', `ConfigMap ${STOWAWAY2.routesConfigMap} was created concurrently`, {
            cause: error,
          });
        throw error;
      }
    } else {
      const { name, namespace, labels, annotations, ownerReferences } = base.metadata;
      saved = await this.#objects.replace(
        {
          ...this.#ref,
          metadata: {
            name,
            ...(namespace === undefined ? {} : { namespace }),
            resourceVersion: base.version,
            ...(labels === undefined ? {} : { labels }),
            annotations: { ...withoutKey(annotations, ROUTE_OWNERS_ANNOTATION), ...ownersAnnotation },
            ...(ownerReferences === undefined ? {} : { ownerReferences }),
          },
          data,
        },
        signal,
      );
    }
    return { routes: [...routes], version: saved.metadata.resourceVersion };
  }

  /** The table at `version`: the one parsed last if it is that one, else read again; Conflict when the ConfigMap moved on. */
  async #at(version: string, signal: AbortSignal): Promise<ParsedTable> {
    if (this.#parsed?.version === version) return this.#parsed;
    const table = await this.#load(signal, { fresh: true });
    if (table?.version !== version)
      throw new DomainError('Conflict', `ConfigMap ${STOWAWAY2.routesConfigMap} changed since it was read`);
    return table;
  }

  async #load(signal: AbortSignal, options: ReadOptions): Promise<ParsedTable | undefined> {
    const found = await this.#objects.find(this.#ref, signal, options);
    if (!found) return undefined;
    const version = found.metadata.resourceVersion ?? '';
    if (this.#parsed?.version === version) return this.#parsed;
    const owners = parseEntryOwners(found.metadata.annotations?.[ROUTE_OWNERS_ANNOTATION]);
    const routes: Route[] = [];
    const foreign: Record<string, string> = {};
    for (const [key, value] of Object.entries((found['data'] ?? {}) as Record<string, string>)) {
      const route = routeOf(key, value, owners.get(key));
      if (route) routes.push(route);
      else foreign[key] = value;
    }
    this.#parsed = { routes, version, metadata: found.metadata, foreign };
    return this.#parsed;
  }
}

/** The route an entry holds, when its owner record is ours and still describes it (an entry edited by hand is not). */
function routeOf(key: string, value: string, owner: EntryOwner | undefined): Route | undefined {
  const parsed = parseProxyRouteValue(value);
  if (!owner || !parsed) return undefined;
  const route: Route = { owner: routeOwnerId(owner), containerPort: owner.containerPort, ...parsed };
  return routeEntryKey(route) === key ? route : undefined;
}

function withoutKey(record: Readonly<Record<string, string>> | undefined, key: string): Record<string, string> {
  const { [key]: _removed, ...rest } = record ?? {};
  return rest;
}

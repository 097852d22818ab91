import { DomainError, isDomainError } from '../../domain/errors.js';
import type { Route } from '../../domain/routes/route.js';
import type { ObjectApi, Manifest, ObjectRef, ReadOptions } from '../../ports/cluster-api.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RouteStore, RouteTable } from '../../ports/route-store.port.js';
import { routesConfigMap } from './stowaway-manifests.js';
import { STOWAWAY } from './stowaway-names.js';
import type { StowawaySettings } from './stowaway-settings.js';
import { MAX_ROUTE_OWNER_LENGTH, parseRouteEntry, routeEntryKey, routeEntryValue } from './route-entries.js';

/**
 * The route table kept where Stowaway reads it: the ConfigMap mounted into its
 * pod. Saves replace the ConfigMap only at the resourceVersion that was
 * loaded, so two writers never lose each other's routes: the loser gets a
 * Conflict and replans on a fresh load.
 */
export class StowawayRouteStore implements RouteStore {
  readonly maxOwnerLength = MAX_ROUTE_OWNER_LENGTH;
  readonly #objects: ObjectApi;
  readonly #settings: StowawaySettings;
  readonly #logger: Logger;
  /** The table last parsed, by resourceVersion: with a thousand routes, parsing on every read dominated the CPU. */
  #parsed: RouteTable | undefined;

  constructor(objects: ObjectApi, settings: StowawaySettings, logger: Logger) {
    this.#objects = objects;
    this.#settings = settings;
    this.#logger = logger;
  }

  get #ref(): ObjectRef {
    return { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.#settings.namespace, name: STOWAWAY.routesConfigMap };
  }

  async load(signal: AbortSignal, options: ReadOptions = {}): Promise<RouteTable> {
    const configMap = await this.#objects.find(this.#ref, signal, options);
    if (!configMap) return { routes: [], version: undefined };
    const version = configMap.metadata.resourceVersion;
    if (version !== undefined && this.#parsed?.version === version) return this.#parsed;
    const data = (configMap['data'] ?? {}) as Record<string, string>;
    const routes: Route[] = [];
    for (const [key, value] of Object.entries(data)) {
      const route = parseRouteEntry(key, value);
      if (route) routes.push(route);
      else this.#logger.warn({ key }, 'ignoring a proxy route entry this operator did not write');
    }
    this.#parsed = { routes, version };
    return this.#parsed;
  }

  routeOwnersIn(object: Manifest): ReadonlySet<string> | undefined {
    const ref = this.#ref;
    if (object.kind !== ref.kind || object.metadata.namespace !== ref.namespace || object.metadata.name !== ref.name)
      return undefined;
    const data = (object['data'] ?? {}) as Record<string, string>;
    return new Set(Object.entries(data).flatMap(([key, value]) => parseRouteEntry(key, value)?.owner ?? []));
  }

  async save(routes: readonly Route[], basedOn: string | undefined, signal: AbortSignal): Promise<RouteTable> {
    const data = Object.fromEntries(routes.map((route) => [routeEntryKey(route), routeEntryValue(route)]));
    const base = routesConfigMap(this.#settings);
    let saved: Manifest;
    if (basedOn === undefined) {
      try {
        saved = await this.#objects.create({ ...base, data }, signal);
      } catch (error) {
        if (isDomainError(error, 'AlreadyExists')) {
          throw new DomainError('Conflict', 'the route ConfigMap was created concurrently', { cause: error });
        }
        throw error;
      }
    } else {
      saved = await this.#objects.replace(
        { ...base, metadata: { ...base.metadata, resourceVersion: basedOn }, data },
        signal,
      );
    }
    return { routes: [...routes], version: saved.metadata.resourceVersion };
  }
}

import { DomainError, isDomainError } from '../../../domain/errors.js';
import { RouteService } from '../../../domain/routes/route-service.js';
import type { Route, RouteDestination } from '../../../domain/routes/route.js';
import type { ClusterApi } from '../../../ports/cluster-api.port.js';
import type { Clock } from '../../../ports/clock.port.js';
import type { RecordedRoute } from '../domain/bridge/bridge-decision.js';
import type { BridgeOwner, BridgeRoutes, WantedBridgeRoute } from '../ports/bridge-routes.port.js';
import { proxyServiceOwners, removeOwnedProxyService } from '../../shared/proxy-service-ownership.js';
import { stowaway2ProxyService } from './stowaway2-manifests.js';
import { STOWAWAY2, STOWAWAY2_PROXY_PORTS, STOWAWAY2_PROXY_SERVICES } from './stowaway2-names.js';
import { bridgeOwnerOf, MAX_CLIENT_LENGTH, routeOwnerId } from './stowaway2-route-entries.js';
import { Stowaway2RouteStore } from './stowaway2-route-store.js';

/**
 * The routes of GefyraBridges in Stowaway 2.x (contract §4 "Route"). The
 * core's RouteService chooses the ports (a container port keeps its proxy
 * port, a new one gets the lowest free one) and replans on a fresh read
 * after a lost race; the table lives in `gefyra-stowaway-proxyroutes`
 * (Stowaway2RouteStore). After each change the proxy Services follow the
 * table, and the pod gets the original's `operator: update-notification-<now>`
 * annotation: the kubelet syncs the pod and refreshes the mounted ConfigMap,
 * and the image's inotify watcher runs generate-proxyroutes.sh on the new
 * files. A Stowaway that is not there yet reads the table when it starts.
 */
export class Stowaway2Routes implements BridgeRoutes {
  readonly #cluster: ClusterApi;
  readonly #clock: Clock;
  readonly #namespace: string;
  readonly #store: Stowaway2RouteStore;
  readonly #routes: RouteService;
  #notifications = 0;

  constructor(cluster: ClusterApi, clock: Clock, namespace: string) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#namespace = namespace;
    this.#store = new Stowaway2RouteStore(cluster, namespace);
    this.#routes = new RouteService(this.#store, STOWAWAY2_PROXY_PORTS, (signal) => this.#occupiedPorts(signal));
  }

  async routesOf(owner: BridgeOwner, signal: AbortSignal): Promise<readonly RecordedRoute[]> {
    const id = routeOwnerId(owner);
    const [routes, services] = await Promise.all([this.#routes.routesOf(id, signal), this.#serviceOwners(signal)]);
    return routes.map((route) => recorded(route, services.get(route.proxyPort) === id));
  }

  async route(
    owner: BridgeOwner,
    wanted: readonly WantedBridgeRoute[],
    signal: AbortSignal,
  ): Promise<readonly RecordedRoute[]> {
    if (owner.client.length > MAX_CLIENT_LENGTH) {
      throw new DomainError(
        'Invalid',
        `client ${owner.client} has a name of ${owner.client.length} characters; Stowaway's route keys hold ` +
          `client names of at most ${MAX_CLIENT_LENGTH}: connect with a shorter name`,
        { retryable: false },
      );
    }
    const id = routeOwnerId(owner);
    const routes = await this.#routes.reserve(
      id,
      wanted.map((route) => ({ containerPort: route.containerPort, destination: destinationOf(route.destination) })),
      signal,
    );
    await Promise.all(
      routes.map((route) => this.#cluster.apply(stowaway2ProxyService(this.#namespace, route), signal)),
    );
    await this.#removeServices(id, new Set(routes.map((route) => route.proxyPort)), signal);
    await this.#notifyStowaway(signal);
    return routes.map((route) => recorded(route, true));
  }

  async unroute(owner: BridgeOwner, signal: AbortSignal): Promise<void> {
    const id = routeOwnerId(owner);
    await this.#routes.release(id, signal);
    await this.#removeServices(id, new Set(), signal);
    await this.#notifyStowaway(signal);
  }

  /** The owners of the table's entries (from its owners annotation) and of the proxy Services a crash may have left without one. */
  async owners(signal: AbortSignal): Promise<readonly BridgeOwner[]> {
    const [routes, services] = await Promise.all([this.#routes.all(signal), this.#serviceOwners(signal)]);
    const ids = new Set([
      ...routes.map((route) => route.owner),
      ...[...services.values()].filter((id): id is string => id?.includes('/') === true),
    ]);
    return [...ids].sort().map(bridgeOwnerOf);
  }

  proxyHost(proxyPort: number): string {
    return `${STOWAWAY2_PROXY_SERVICES.nameOf(proxyPort)}.${this.#namespace}.svc.cluster.local`;
  }

  /** Removes the owner's Services whose ports it no longer routes (left over from a change, or from a crash after one). */
  async #removeServices(id: string, kept: ReadonlySet<number>, signal: AbortSignal): Promise<void> {
    const owners = await this.#serviceOwners(signal);
    const stale = [...owners].filter(([port, owner]) => owner === id && !kept.has(port));
    await Promise.all(
      stale.map(([proxyPort]) =>
        removeOwnedProxyService(
          this.#cluster,
          this.#namespace,
          STOWAWAY2_PROXY_SERVICES,
          { owner: id, proxyPort },
          signal,
        ),
      ),
    );
  }

  /**
   * The original's annotation, `update-notification-<UTC, microseconds>`.
   * The digits below the millisecond count this process's notifications, so
   * two changes within one millisecond still change the pod (an unchanged
   * annotation is no update, and the kubelet would not refresh the mount).
   */
  async #notifyStowaway(signal: AbortSignal): Promise<void> {
    const sequence = String(this.#notifications++ % 1000).padStart(3, '0');
    const now = this.#clock.now().toISOString().replace('Z', `${sequence}Z`);
    try {
      await this.#cluster.patchPod(
        { namespace: this.#namespace, name: STOWAWAY2.pod },
        { annotations: { [STOWAWAY2.routesNotificationAnnotation]: `update-notification-${now}` } },
        signal,
      );
    } catch (error) {
      // No Stowaway pod: the next one runs generate-proxyroutes.sh on the table as it is when it starts.
      if (!isDomainError(error, 'NotFound')) throw error;
    }
  }

  #serviceOwners(signal: AbortSignal): Promise<Map<number, string | undefined>> {
    return proxyServiceOwners(this.#cluster, this.#namespace, STOWAWAY2_PROXY_SERVICES, signal);
  }

  /** Ports no new route may take: those of other owners' Services and of entries this operator did not write. */
  async #occupiedPorts(signal: AbortSignal): Promise<ReadonlyMap<number, string | undefined>> {
    const [services, foreign] = await Promise.all([this.#serviceOwners(signal), this.#store.foreignPorts(signal)]);
    const occupied = new Map(services);
    for (const port of foreign)
      occupied.set(port, `an entry of ${STOWAWAY2.routesConfigMap} this operator did not write`);
    return occupied;
  }
}

function recorded(route: Route, serviceReady: boolean): RecordedRoute {
  return {
    containerPort: route.containerPort,
    destination: `${route.destination.ip}:${route.destination.port}`,
    proxyPort: route.proxyPort,
    serviceReady,
  };
}

/** `<destinationIP>:<localPort>` as the bridge writes it. */
function destinationOf(destination: string): RouteDestination {
  const colon = destination.lastIndexOf(':');
  const ip = destination.slice(0, colon);
  const port = Number(destination.slice(colon + 1));
  if (colon <= 0 || !Number.isInteger(port) || port < 1 || port > 65535)
    throw new DomainError('Invalid', `the route destination ${destination} is not <destinationIP>:<localPort>`, {
      retryable: false,
    });
  return { ip, port };
}

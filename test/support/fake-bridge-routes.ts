import type { RecordedRoute } from '../../src/plugins/gefyra2/domain/bridge/bridge-decision.js';
import type {
  BridgeOwner,
  BridgeRoutes,
  WantedBridgeRoute,
} from '../../src/plugins/gefyra2/ports/bridge-routes.port.js';

const FIRST_PROXY_PORT = 10_000;

/**
 * The tunnel's side of bridges in memory, as the BridgeRoutes port promises
 * it: a container port keeps its proxy port across re-routes, a new one
 * gets the lowest free port, unroute of what is gone is fine. The table
 * outlives any service instance (as Stowaway's ConfigMap does), and tests
 * can lose a route or a proxy Service to see the bridge restore it.
 */
export class FakeBridgeRoutes implements BridgeRoutes {
  readonly #table = new Map<string, { client: string; routes: RecordedRoute[] }>();
  readonly calls: string[] = [];

  async routesOf(owner: BridgeOwner): Promise<readonly RecordedRoute[]> {
    return this.#table.get(owner.bridge)?.routes ?? [];
  }

  async route(owner: BridgeOwner, wanted: readonly WantedBridgeRoute[]): Promise<readonly RecordedRoute[]> {
    this.calls.push(`route ${owner.bridge}`);
    const before = this.#table.get(owner.bridge)?.routes ?? [];
    const routes: RecordedRoute[] = [];
    for (const want of wanted) {
      const kept = before.find((route) => route.containerPort === want.containerPort);
      const proxyPort = kept?.proxyPort ?? this.#freePort(routes);
      routes.push({ containerPort: want.containerPort, destination: want.destination, proxyPort, serviceReady: true });
    }
    this.#table.set(owner.bridge, { client: owner.client, routes });
    return routes;
  }

  async unroute(owner: BridgeOwner): Promise<void> {
    this.calls.push(`unroute ${owner.bridge}`);
    this.#table.delete(owner.bridge);
  }

  async owners(): Promise<readonly BridgeOwner[]> {
    return [...this.#table].map(([bridge, entry]) => ({ bridge, client: entry.client }));
  }

  proxyHost(proxyPort: number): string {
    return `gefyra-stowaway-proxy-${proxyPort}.gefyra.svc.cluster.local`;
  }

  /** Every route held, by bridge. */
  held(): ReadonlyMap<string, readonly RecordedRoute[]> {
    return new Map([...this.#table].map(([bridge, entry]) => [bridge, entry.routes]));
  }

  /** The proxy Service of the bridge's routes disappears (deleted by hand). */
  loseService(bridge: string): void {
    const entry = this.#table.get(bridge);
    if (entry) entry.routes = entry.routes.map((route) => ({ ...route, serviceReady: false }));
  }

  #freePort(taking: readonly RecordedRoute[]): number {
    const used = new Set([...this.#table.values()].flatMap((entry) => entry.routes.map((route) => route.proxyPort)));
    for (const route of taking) used.add(route.proxyPort);
    let port = FIRST_PROXY_PORT;
    while (used.has(port)) port++;
    return port;
  }
}

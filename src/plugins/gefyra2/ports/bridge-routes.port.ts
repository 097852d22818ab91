import type { RecordedRoute } from '../domain/bridge/bridge-decision.js';

/**
 * BridgeRoutes: the tunnel's side of a GefyraBridge (contract §4 "Route").
 * For each of the bridge's container ports the tunnel forwards a proxy port
 * to `<destinationIP>:<localPort>` on the developer's side, behind a proxy
 * Service that carrier2 reaches. Which proxy port, how the tunnel stores
 * and loads its table and names the Service are the tunnel's own.
 */
export interface BridgeOwner {
  /** The GefyraBridge's name: the routes' owner. */
  readonly bridge: string;
  /** Its client (the `gefyra.dev/client` label): whose peer the destination is behind. */
  readonly client: string;
}

export interface WantedBridgeRoute {
  readonly containerPort: number;
  /** `<destinationIP>:<localPort>` */
  readonly destination: string;
}

export interface BridgeRoutes {
  /** The routes the tunnel holds for the bridge, each with whether its proxy Service exists. */
  routesOf(owner: BridgeOwner, signal: AbortSignal): Promise<readonly RecordedRoute[]>;
  /**
   * Makes the bridge's routes exactly `wanted`: a container port keeps the
   * proxy port it had, a new one gets a free port; the proxy Services exist
   * and the tunnel serves the table. Idempotent; retries lost races itself.
   */
  route(
    owner: BridgeOwner,
    wanted: readonly WantedBridgeRoute[],
    signal: AbortSignal,
  ): Promise<readonly RecordedRoute[]>;
  /** Removes the bridge's routes and proxy Services; what is already gone is fine. */
  unroute(owner: BridgeOwner, signal: AbortSignal): Promise<void>;
  /**
   * Every owner the tunnel holds a route or a proxy Service for, read from
   * the cluster: how routes of bridges that are gone without their teardown
   * (finalizer stripped by `--force` or the client's uninstall) are found.
   */
  owners(signal: AbortSignal): Promise<readonly BridgeOwner[]>;
  /** The host name of a proxy port's Service, as carrier2 reaches it (`gefyra-stowaway-proxy-<p>.<ns>.svc.cluster.local`). */
  proxyHost(proxyPort: number): string;
}

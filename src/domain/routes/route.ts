/**
 * A proxy route: the tunnel listens on `proxyPort` and forwards, through the
 * tunnel, to the developer's container at `destination`. Routes belong to one
 * InterceptRequest or GefyraBridge (`owner`, its name) and one of its container ports, so two
 * intercepts to the same destination never share or steal a route.
 */
export interface RouteDestination {
  readonly ip: string;
  readonly port: number;
}

export interface Route {
  readonly owner: string;
  readonly containerPort: number;
  readonly destination: RouteDestination;
  readonly proxyPort: number;
}

/** A route the domain wants for an owner; the proxy port is chosen on reservation. */
export interface WantedRoute {
  readonly containerPort: number;
  readonly destination: RouteDestination;
  /**
   * The proxy port this route had before (the request's status remembers it):
   * taken again if free, so a lost route table is rebuilt as it was and the
   * carrier pointing at the port keeps working.
   */
  readonly preferredProxyPort?: number;
}

/** Ports whose proxy still exists, by owner: a carrier may point at them, so no other owner gets them. */
export type OccupiedPorts = ReadonlyMap<number, string | undefined>;

export const sameDestination = (a: RouteDestination, b: RouteDestination): boolean =>
  a.ip === b.ip && a.port === b.port;

export const routesOf = (routes: readonly Route[], owner: string): Route[] =>
  routes.filter((route) => route.owner === owner);

/** The proxy ports the operator may hand out, minus ports the tunnel uses itself. */
export interface PortPool {
  readonly first: number;
  readonly last: number;
  readonly reserved: readonly number[];
}

export const poolSize = (pool: PortPool): number =>
  pool.last - pool.first + 1 - pool.reserved.filter((port) => port >= pool.first && port <= pool.last).length;

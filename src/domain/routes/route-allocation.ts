import { DomainError } from '../errors.js';
import { type OccupiedPorts, type PortPool, poolSize, type Route, sameDestination, type WantedRoute } from './route.js';

/**
 * Pure planning of the route table: what one owner's routes become when it
 * wants `wanted`. Existing routes keep their proxy ports (a live carrier points
 * at them); new ones take the lowest free port of the pool.
 */
export type RouteChange =
  | { readonly kind: 'reserve'; readonly owner: string; readonly wanted: readonly WantedRoute[] }
  | { readonly kind: 'release'; readonly owner: string };

export function applyRouteChange(
  table: readonly Route[],
  change: RouteChange,
  pool: PortPool,
  occupied: OccupiedPorts = new Map(),
): Route[] {
  const others = table.filter((route) => route.owner !== change.owner);
  if (change.kind === 'release') return others;

  const current = new Map(
    table.filter((route) => route.owner === change.owner).map((route) => [route.containerPort, route]),
  );
  // A port whose proxy another owner still has is not free, whatever the table says:
  // its carrier may point at it (an entry removed by hand, a table lost, a teardown under way).
  // A proxy without a recorded owner (written before owners were recorded) is the table's owner's.
  const ownPorts = new Set([...current.values()].map((route) => route.proxyPort));
  const occupiedByOthers = [...occupied]
    .filter(([port, owner]) => owner !== change.owner && !(owner === undefined && ownPorts.has(port)))
    .map(([port]) => port);
  const used = new Set([...others.map((route) => route.proxyPort), ...occupiedByOthers]);
  const kept: Route[] = [];
  const missing: WantedRoute[] = [];
  for (const wanted of change.wanted) {
    const existing = current.get(wanted.containerPort);
    if (existing && !used.has(existing.proxyPort)) {
      kept.push(
        sameDestination(existing.destination, wanted.destination)
          ? existing
          : { ...existing, destination: wanted.destination },
      );
      used.add(existing.proxyPort);
    } else {
      missing.push(wanted);
    }
  }
  const reserved = new Set(pool.reserved);
  const added: Route[] = [];
  const unplaced: WantedRoute[] = [];
  for (const wanted of missing) {
    const preferred = wanted.preferredProxyPort;
    if (
      preferred !== undefined &&
      preferred >= pool.first &&
      preferred <= pool.last &&
      !used.has(preferred) &&
      !reserved.has(preferred)
    ) {
      added.push({
        owner: change.owner,
        containerPort: wanted.containerPort,
        destination: wanted.destination,
        proxyPort: preferred,
      });
      used.add(preferred);
    } else {
      unplaced.push(wanted);
    }
  }
  const free = freePorts(pool, used, unplaced.length);
  if (free.length < unplaced.length) {
    throw new DomainError(
      'Exhausted',
      `no free proxy port: all ${poolSize(pool)} ports of ${pool.first}-${pool.last} are in use by ${used.size} routes; ` +
        'end other intercepts or widen GEFYRA_PROXY_PORT_RANGE',
      { retryable: false, details: { first: pool.first, last: pool.last, inUse: used.size } },
    );
  }
  unplaced.forEach((wanted, index) =>
    added.push({
      owner: change.owner,
      containerPort: wanted.containerPort,
      destination: wanted.destination,
      proxyPort: free[index] as number,
    }),
  );
  return [...others, ...kept, ...added];
}

function freePorts(pool: PortPool, used: ReadonlySet<number>, count: number): number[] {
  const reserved = new Set(pool.reserved);
  const free: number[] = [];
  for (let port = pool.first; port <= pool.last && free.length < count; port++) {
    if (!used.has(port) && !reserved.has(port)) free.push(port);
  }
  return free;
}

/** True when two tables hold the same routes, in any order. */
export function sameRoutes(a: readonly Route[], b: readonly Route[]): boolean {
  if (a.length !== b.length) return false;
  const key = (route: Route) =>
    `${route.owner}|${route.containerPort}|${route.proxyPort}|${route.destination.ip}|${route.destination.port}`;
  const keys = new Set(a.map(key));
  return b.every((route) => keys.has(key(route)));
}

import type { Route, RouteDestination } from '../../domain/routes/route.js';

/**
 * A route ConfigMap entry's value, fixed by generate-proxyroutes.sh of
 * Stowaway 0.13 and 2.x alike: `<destinationIP>:<destinationPort>,<proxyPort>`
 * (the script splits at the comma: nginx listens on the second part and
 * proxies to the first).
 */
export function proxyRouteValue(route: Pick<Route, 'destination' | 'proxyPort'>): string {
  const host = route.destination.ip.includes(':') ? `[${route.destination.ip}]` : route.destination.ip;
  return `${host}:${route.destination.port},${route.proxyPort}`;
}

const VALUE = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d{1,5}),(\d{1,5})$/;

/** The destination and proxy port of a value, or undefined for one in another shape. */
export function parseProxyRouteValue(
  value: string,
): { readonly destination: RouteDestination; readonly proxyPort: number } | undefined {
  const match = VALUE.exec(value.trim());
  if (!match) return undefined;
  return {
    destination: { ip: (match[1] ?? match[2]) as string, port: Number(match[3]) },
    proxyPort: Number(match[4]),
  };
}

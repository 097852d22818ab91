import { fnv1a } from '../../domain/fingerprint.js';
import type { Route } from '../../domain/routes/route.js';
import { parseProxyRouteValue, proxyRouteValue } from '../shared/proxy-route-value.js';

/**
 * The route ConfigMap's entry format, fixed by Stowaway's
 * generate-proxyroutes.sh: the value is `<destinationIP>:<destinationPort>,<proxyPort>`.
 * The key is ours: `<owner>_<containerPort>_<hash of the value>`. `_` never
 * occurs in Kubernetes names, so the owner is recoverable; the hash makes any
 * change of a route a new key, which lets the router verify from a directory
 * listing alone that the mounted ConfigMap is current.
 */
export const routeEntryValue = (route: Route): string => proxyRouteValue(route);

/** A ConfigMap key holds at most 253 characters; the key adds `_<port>_<8 hex>` to the owner. */
export const MAX_ROUTE_OWNER_LENGTH = 253 - '_65535_'.length - 8;

export function routeEntryKey(route: Route): string {
  return `${route.owner}_${route.containerPort}_${fnv1a(routeEntryValue(route))}`;
}

const KEY = /^([a-z0-9][-a-z0-9.]*)_(\d{1,5})_([0-9a-f]{8})$/;

/** The route an entry describes, or undefined for an entry this operator did not write. */
export function parseRouteEntry(key: string, value: string): Route | undefined {
  const keyMatch = KEY.exec(key);
  const parsed = parseProxyRouteValue(value);
  if (!keyMatch || !parsed) return undefined;
  const route: Route = { owner: keyMatch[1] as string, containerPort: Number(keyMatch[2]), ...parsed };
  return routeEntryKey(route) === key ? route : undefined;
}

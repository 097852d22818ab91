import { fnv1a } from '../../../domain/fingerprint.js';
import { isRecord } from '../../../domain/json-reading.js';
import type { Route } from '../../../domain/routes/route.js';
import type { BridgeOwner } from '../ports/bridge-routes.port.js';
import { proxyRouteValue } from '../../shared/proxy-route-value.js';

/**
 * The entries of `gefyra-stowaway-proxyroutes` as Gefyra 2 writes them
 * (contract §4): key `<clientId>-<10 a-z>`, value
 * `<destinationIP>:<localPort>,<proxyPort>`. Every data key is a file in the
 * mounted directory that generate-proxyroutes.sh turns into an nginx server,
 * so nothing but routes may be stored in `data`: which bridge and container
 * port own an entry is kept in an annotation of the same ConfigMap (see
 * ROUTE_OWNERS_ANNOTATION).
 */

/**
 * The owners of the entries, as JSON `{"<key>": {bridge, client, containerPort}}`.
 * On the ConfigMap itself, not on the proxy Services: it is written in the
 * same update as the entries, so no crash can leave an entry without its
 * owner or an owner without its entry; the image's scripts and the original
 * operator read only `data`. The Services follow the table and are made
 * again from it.
 */
export const ROUTE_OWNERS_ANNOTATION = 'gefyra.dev/route-owners';

/** A route's owner in the RouteService: the bridge of one client (`/` occurs in neither name). */
export const routeOwnerId = (owner: BridgeOwner): string => `${owner.client}/${owner.bridge}`;

export function bridgeOwnerOf(ownerId: string): BridgeOwner {
  const slash = ownerId.indexOf('/');
  return { client: ownerId.slice(0, slash), bridge: ownerId.slice(slash + 1) };
}

/**
 * `<clientId>-<10 a-z>`: the original draws the letters at random; ours are
 * a digest of the owner, container port and value, so writing a route again
 * is a no-op and a changed route is a new file in the mounted directory.
 */
export function routeEntryKey(route: Route): string {
  const text = `${route.owner}|${route.containerPort}|${proxyRouteValue(route)}`;
  let digest = (BigInt(`0x${fnv1a(text)}`) << 32n) | BigInt(`0x${fnv1a(`${text}|`)}`);
  let letters = '';
  for (let index = 0; index < 10; index++) {
    letters += String.fromCharCode(97 + Number(digest % 26n));
    digest /= 26n;
  }
  return `${bridgeOwnerOf(route.owner).client}-${letters}`;
}

/** A ConfigMap key holds at most 253 characters: the client id and `-` and 10 letters. */
export const MAX_CLIENT_LENGTH = 253 - '-abcdefghij'.length;

export interface EntryOwner {
  readonly bridge: string;
  readonly client: string;
  readonly containerPort: number;
}

/** The owners annotation, read leniently: a record in another shape is no record. */
export function parseEntryOwners(annotation: string | undefined): Map<string, EntryOwner> {
  const owners = new Map<string, EntryOwner>();
  let parsed: unknown;
  try {
    parsed = JSON.parse(annotation ?? '{}');
  } catch {
    return owners;
  }
  if (!isRecord(parsed)) return owners;
  for (const [key, value] of Object.entries(parsed)) {
    if (!isRecord(value)) continue;
    const { bridge, client, containerPort } = value;
    if (typeof bridge === 'string' && typeof client === 'string' && Number.isInteger(containerPort))
      owners.set(key, { bridge, client, containerPort: containerPort as number });
  }
  return owners;
}

export const renderEntryOwners = (owners: ReadonlyMap<string, EntryOwner>): string =>
  JSON.stringify(Object.fromEntries([...owners].sort(([a], [b]) => a.localeCompare(b))));

import type { ObjectApi } from '../../ports/cluster-api.port.js';

/**
 * Every proxy Service records, in the cluster, the owner whose route it
 * serves (an InterceptRequest on Stowaway 0.13, a GefyraBridge on 2.x). A
 * Service is removed only by its owner's teardown (or when its owner no
 * longer exists), so a stale teardown of a finished owner can never remove
 * the Service of a port another owner holds now; and a port stays taken
 * while its Service exists, because a carrier may still point at it.
 */
export const ROUTE_OWNER_ANNOTATION = 'gefyra.dev/route-owner';

/** How one Stowaway labels and names its proxy Services. */
export interface ProxyServiceKind {
  /** The labels every proxy Service carries (the list selector). */
  readonly labels: Readonly<Record<string, string>>;
  /** The label holding the proxy port. */
  readonly portLabel: string;
  readonly nameOf: (proxyPort: number) => string;
}

/** The proxy Services that exist, by port, with their owner (`undefined` for one written without an owner). */
export async function proxyServiceOwners(
  objects: ObjectApi,
  namespace: string,
  kind: ProxyServiceKind,
  signal: AbortSignal,
): Promise<Map<number, string | undefined>> {
  const services = await objects.list({ apiVersion: 'v1', kind: 'Service' }, namespace, kind.labels, signal);
  const owners = new Map<number, string | undefined>();
  for (const service of services) {
    const port = Number(service.metadata.labels?.[kind.portLabel]);
    if (Number.isInteger(port) && service.metadata.name === kind.nameOf(port))
      owners.set(port, service.metadata.annotations?.[ROUTE_OWNER_ANNOTATION]);
  }
  return owners;
}

/**
 * Removes the proxy Service of `proxyPort` if `owner` owns it. Returns false
 * when it belongs to someone else now (left alone). The delete is bound to
 * the incarnation that was read, so a Service deleted and recreated for
 * another owner in between is not touched.
 */
export async function removeOwnedProxyService(
  objects: ObjectApi,
  namespace: string,
  kind: ProxyServiceKind,
  route: { readonly owner: string; readonly proxyPort: number },
  signal: AbortSignal,
): Promise<boolean> {
  const ref = { apiVersion: 'v1', kind: 'Service', namespace, name: kind.nameOf(route.proxyPort) };
  const service = await objects.find(ref, signal, { fresh: true });
  if (!service) return true;
  const owner = service.metadata.annotations?.[ROUTE_OWNER_ANNOTATION];
  if (owner !== undefined && owner !== route.owner) return false;
  await objects.remove(ref, signal, service.metadata.uid === undefined ? {} : { uid: service.metadata.uid });
  return true;
}

import type { ClusterApi } from '../../ports/cluster-api.port.js';
import { proxyServiceName, STOWAWAY } from './stowaway-names.js';

/**
 * Every proxy Service records, in the cluster, the request whose route it
 * serves. A Service is removed only by its owner's teardown (or when its
 * owner no longer exists), so a stale teardown of a finished request can
 * never remove the Service of a port another request holds now; and a port
 * stays taken while its Service exists, because a Carrier may still point
 * at it.
 */
export const ROUTE_OWNER_ANNOTATION = 'gefyra.dev/route-owner';

/** The proxy Services that exist, by port, with their owner (`undefined` for one written before owners were recorded). */
export async function proxyServiceOwners(
  cluster: ClusterApi,
  namespace: string,
  signal: AbortSignal,
): Promise<Map<number, string | undefined>> {
  const services = await cluster.list({ apiVersion: 'v1', kind: 'Service' }, namespace, PROXY_SERVICE_LABELS, signal);
  const owners = new Map<number, string | undefined>();
  for (const service of services) {
    const port = Number(service.metadata.labels?.[STOWAWAY.proxyRouteLabel]);
    if (Number.isInteger(port) && service.metadata.name === proxyServiceName(port))
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
  cluster: ClusterApi,
  namespace: string,
  route: { readonly owner: string; readonly proxyPort: number },
  signal: AbortSignal,
): Promise<boolean> {
  const ref = { apiVersion: 'v1', kind: 'Service', namespace, name: proxyServiceName(route.proxyPort) };
  const service = await cluster.find(ref, signal, { fresh: true });
  if (!service) return true;
  const owner = service.metadata.annotations?.[ROUTE_OWNER_ANNOTATION];
  if (owner !== undefined && owner !== route.owner) return false;
  await cluster.remove(ref, signal, service.metadata.uid === undefined ? {} : { uid: service.metadata.uid });
  return true;
}

export const PROXY_SERVICE_LABELS: Readonly<Record<string, string>> = { 'app.kubernetes.io/component': 'proxy-route' };

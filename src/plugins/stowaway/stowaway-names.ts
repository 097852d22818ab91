import type { ProxyServiceKind } from '../shared/proxy-service-ownership.js';

/** The names and ports Stowaway's image and the Gefyra client rely on. */
export const STOWAWAY = {
  deployment: 'gefyra-stowaway',
  serviceAccount: 'gefyra-stowaway',
  container: 'stowaway',
  podLabels: { app: 'stowaway' } as Readonly<Record<string, string>>,
  routesConfigMap: 'gefyra-stowaway-proxyroutes',
  routesMountPath: '/stowaway/proxyroutes',
  wireguardService: 'gefyra-stowaway-wireguard',
  rsyncService: 'gefyra-stowaway-rsync',
  proxyServicePrefix: 'gefyra-stowaway-proxy-',
  wireguardPort: 51820,
  rsyncPort: 10873,
  /** Annotation touched on the pod after a route change: the kubelet then refreshes the mounted ConfigMap at once. */
  routesTouchedAnnotation: 'gefyra.dev/proxyroutes-changed',
  proxyRouteLabel: 'gefyra.dev/proxy-route',
} as const;

export const proxyServiceName = (proxyPort: number): string => `${STOWAWAY.proxyServicePrefix}${proxyPort}`;

/** Stowaway 0.13's proxy Services: one per route, labelled with its port. */
export const STOWAWAY_PROXY_SERVICES: ProxyServiceKind = {
  labels: { 'app.kubernetes.io/component': 'proxy-route' },
  portLabel: STOWAWAY.proxyRouteLabel,
  nameOf: proxyServiceName,
};

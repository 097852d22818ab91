import { ROUTE_OWNER_ANNOTATION } from '../shared/proxy-service-ownership.js';
import type { Manifest } from '../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';
import { proxyServiceName, STOWAWAY } from './stowaway-names.js';
import type { StowawaySettings } from './stowaway-settings.js';

/**
 * The desired state of every Stowaway component, as plain manifests. Pure:
 * the provider applies them, tests read them.
 */

const labels = (component: string): Record<string, string> => ({
  ...MANAGED_BY_LABELS,
  'app.kubernetes.io/component': component,
});

export function serviceAccount(settings: StowawaySettings): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: STOWAWAY.serviceAccount, namespace: settings.namespace, labels: labels('stowaway') },
  };
}

/**
 * The route table's home. Applied without `data`: applying it again must
 * never touch the routes it holds (the 0.13 operator emptied it on restart).
 */
export function routesConfigMap(settings: StowawaySettings): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: STOWAWAY.routesConfigMap, namespace: settings.namespace, labels: labels('proxy-routes') },
  };
}

export function deployment(settings: StowawaySettings): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: STOWAWAY.deployment,
      namespace: settings.namespace,
      labels: { ...labels('stowaway'), ...STOWAWAY.podLabels },
    },
    spec: {
      replicas: 1,
      // One WireGuard endpoint at a time: a second pod would hold other keys.
      strategy: { type: 'Recreate' },
      selector: { matchLabels: { ...STOWAWAY.podLabels } },
      template: {
        metadata: { labels: { ...STOWAWAY.podLabels, ...MANAGED_BY_LABELS } },
        spec: {
          serviceAccountName: STOWAWAY.serviceAccount,
          containers: [
            {
              name: STOWAWAY.container,
              image: `${settings.image}:${settings.tag}`,
              imagePullPolicy: settings.pullPolicy,
              ports: [{ name: 'wireguard', containerPort: STOWAWAY.wireguardPort, protocol: 'UDP' }],
              env: [
                { name: 'PEERS', value: '1' },
                { name: 'SERVERPORT', value: String(settings.nodePort) },
                { name: 'PUID', value: settings.puid },
                { name: 'PGID', value: settings.pgid },
                { name: 'PEERDNS', value: 'auto' },
                { name: 'INTERNAL_SUBNET', value: settings.internalSubnet },
                { name: 'SERVER_ALLOWEDIPS_PEER_1', value: settings.peerSubnet },
              ],
              securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_MODULE'] } },
              readinessProbe: { exec: { command: ['cat', settings.peerConfigPath] }, periodSeconds: 1 },
              volumeMounts: [
                { name: 'lib-modules', mountPath: '/lib/modules' },
                { name: 'proxyroutes', mountPath: STOWAWAY.routesMountPath },
              ],
            },
          ],
          volumes: [
            { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
            { name: 'proxyroutes', configMap: { name: STOWAWAY.routesConfigMap } },
          ],
        },
      },
    },
  };
}

export function wireguardService(settings: StowawaySettings): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: STOWAWAY.wireguardService, namespace: settings.namespace, labels: labels('wireguard') },
    spec: {
      type: 'NodePort',
      selector: { ...STOWAWAY.podLabels },
      ports: [
        {
          name: 'wireguard',
          protocol: 'UDP',
          port: STOWAWAY.wireguardPort,
          targetPort: STOWAWAY.wireguardPort,
          nodePort: settings.nodePort,
        },
      ],
    },
  };
}

export function rsyncService(settings: StowawaySettings): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: STOWAWAY.rsyncService, namespace: settings.namespace, labels: labels('rsync') },
    spec: {
      clusterIP: 'None',
      selector: { ...STOWAWAY.podLabels },
      ports: [{ name: 'rsync', protocol: 'TCP', port: STOWAWAY.rsyncPort, targetPort: STOWAWAY.rsyncPort }],
    },
  };
}

/** The Service through which Carrier reaches one proxy route. */
/** The proxy Service of one route, recording the request that owns it (see proxy-service-ownership.ts). */
export function proxyService(settings: StowawaySettings, proxyPort: number, owner: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: proxyServiceName(proxyPort),
      namespace: settings.namespace,
      labels: { ...labels('proxy-route'), [STOWAWAY.proxyRouteLabel]: String(proxyPort) },
      annotations: { [ROUTE_OWNER_ANNOTATION]: owner },
    },
    spec: {
      selector: { ...STOWAWAY.podLabels },
      ports: [{ name: 'proxy', protocol: 'TCP', port: proxyPort, targetPort: proxyPort }],
    },
  };
}

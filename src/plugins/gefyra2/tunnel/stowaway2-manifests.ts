import type { Manifest } from '../../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import type { Route } from '../../../domain/routes/route.js';
import { ROUTE_OWNER_ANNOTATION } from '../../shared/proxy-service-ownership.js';
import { STOWAWAY2, STOWAWAY2_PROXY_SERVICES } from './stowaway2-names.js';
import { bridgeOwnerOf } from './stowaway2-route-entries.js';
import type { Stowaway2Settings } from './stowaway2-settings.js';

/**
 * Stowaway 2.x as the 2.5 client and images expect it (contract §3): a
 * StatefulSet whose one pod is `gefyra-stowaway-0`, `/config` on a volume
 * claim that outlives the pod (keys and addresses survive a restart), every
 * probe on the image's health port.
 */
export function stowaway2StatefulSet(settings: Stowaway2Settings): Manifest {
  const probe = { httpGet: { path: '/', port: STOWAWAY2.healthPort }, periodSeconds: 1, failureThreshold: 3 };
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: {
      name: STOWAWAY2.statefulSet,
      namespace: settings.namespace,
      labels: { ...STOWAWAY2.labels, ...MANAGED_BY_LABELS },
    },
    spec: {
      replicas: 1,
      serviceName: STOWAWAY2.statefulSet,
      selector: { matchLabels: { ...STOWAWAY2.labels } },
      template: {
        metadata: { labels: { ...STOWAWAY2.labels } },
        spec: {
          serviceAccountName: STOWAWAY2.serviceAccount,
          containers: [
            {
              name: STOWAWAY2.container,
              image: `${settings.image}:${settings.tag}`,
              imagePullPolicy: settings.pullPolicy,
              envFrom: [{ configMapRef: { name: STOWAWAY2.configMap } }],
              ports: [{ containerPort: STOWAWAY2.wireGuardPort, protocol: 'UDP' }],
              securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_MODULE'] } },
              startupProbe: { ...probe, failureThreshold: 180 },
              readinessProbe: probe,
              livenessProbe: { ...probe, periodSeconds: 10 },
              volumeMounts: [
                { name: STOWAWAY2.claimTemplate, mountPath: STOWAWAY2.configDir },
                { name: 'proxyroutes', mountPath: '/stowaway/proxyroutes' },
                { name: 'lib-modules', mountPath: '/lib/modules' },
              ],
            },
          ],
          volumes: [
            { name: 'proxyroutes', configMap: { name: STOWAWAY2.routesConfigMap } },
            { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
          ],
        },
      },
      volumeClaimTemplates: [
        {
          metadata: { name: STOWAWAY2.claimTemplate },
          spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: `${settings.storageMi}Mi` } } },
        },
      ],
    },
  };
}

/**
 * The image's environment. Created once and from then on changed one key at
 * a time (the peers' keys by the peer operations): never replaced, which is
 * how the original lost every peer when it re-installed (contract §6).
 */
export function stowaway2ConfigData(settings: Stowaway2Settings): Record<string, string> {
  return {
    PEERS: '0',
    SERVERPORT: String(settings.serverPort),
    PUID: '1000',
    PGID: '1000',
    PEERDNS: 'auto',
    INTERNAL_SUBNET: settings.internalSubnet,
    LOG_CONFS: 'false',
  };
}

/** Keys the installer owns; PEERS and the subnet keys belong to the peer operations. */
export const INSTALLER_KEYS = ['SERVERPORT', 'PUID', 'PGID', 'PEERDNS', 'INTERNAL_SUBNET', 'LOG_CONFS'] as const;

/**
 * The NodePort through which developers reach WireGuard (contract §1). The
 * 2.5 client's `gefyra up` creates it too; whoever comes first keeps it, so
 * an installation from deploy/gefyra2 (no client) is reachable as well.
 */
export function stowaway2WireGuardService(settings: Stowaway2Settings): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: STOWAWAY2.wireGuardService, namespace: settings.namespace, labels: { ...MANAGED_BY_LABELS } },
    spec: {
      type: 'NodePort',
      selector: { ...STOWAWAY2.labels },
      ports: [
        {
          name: 'gefyra-wireguard',
          protocol: 'UDP',
          port: STOWAWAY2.wireGuardPort,
          targetPort: STOWAWAY2.wireGuardPort,
          nodePort: settings.serverPort,
        },
      ],
    },
  };
}

/**
 * The proxy Service of one route (contract §4): ClusterIP on Stowaway's pod,
 * port `<p>` named `"<p>"`, labelled as the original labels it (role, port,
 * client, destination) and annotated with its owner (proxy-service-ownership.ts).
 */
export function stowaway2ProxyService(namespace: string, route: Route): Manifest {
  const port = route.proxyPort;
  const { client } = bridgeOwnerOf(route.owner);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {
      name: STOWAWAY2_PROXY_SERVICES.nameOf(port),
      namespace,
      labels: {
        ...MANAGED_BY_LABELS,
        ...STOWAWAY2_PROXY_SERVICES.labels,
        [STOWAWAY2_PROXY_SERVICES.portLabel]: String(port),
        // A label value holds at most 63 characters; a client's name may be longer.
        ...(client.length <= 63 ? { 'gefyra.dev/client-id': client } : {}),
        'gefyra.dev/destination': `${route.destination.ip.replaceAll(':', '.')}_${route.destination.port}`,
      },
      annotations: { [ROUTE_OWNER_ANNOTATION]: route.owner },
    },
    spec: {
      type: 'ClusterIP',
      selector: { ...STOWAWAY2.labels },
      ports: [{ name: String(port), protocol: 'TCP', port, targetPort: port }],
    },
  };
}

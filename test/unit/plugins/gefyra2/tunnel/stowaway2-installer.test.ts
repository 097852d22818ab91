import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../../../support/simulated-cluster/index.js';
import { ConfigurationError } from '../../../../../src/environment.js';
import { clientLifecycleSettingsOf } from '../../../../../src/plugins/gefyra2/client-lifecycle-settings.js';
import { Stowaway2Installer } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-installer.js';
import { stowaway2SettingsOf } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-settings.js';
import { pluginContext } from '../../../../support/plugin-context.js';

const signal = () => AbortSignal.timeout(5000);
const settingsOf = (environment: Record<string, string>) => stowaway2SettingsOf(pluginContext(environment));

describe('Stowaway 2.x installer', () => {
  it('installs the StatefulSet, pod gefyra-stowaway-0, its claim and ConfigMaps as the 2.5 client expects them', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const installer = new Stowaway2Installer(
      cluster,
      settingsOf({
        GEFYRA_STOWAWAY_IMAGE: 'reg.example/stowaway',
        GEFYRA_STOWAWAY_IMAGE_TAG: '2.5.4',
        GEFYRA_STOWAWAY_STORAGE: '128',
      }),
    );
    await installer.ensureInstalled(signal());
    const set = cluster.peek({
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      namespace: 'gefyra',
      name: 'gefyra-stowaway',
    });
    const template = (
      set?.['spec'] as {
        template: {
          metadata: { labels: object };
          spec: { serviceAccountName: string; containers: Record<string, unknown>[] };
        };
      }
    ).template;
    expect(template.metadata.labels).toEqual({
      'gefyra.dev/app': 'stowaway',
      'gefyra.dev/role': 'connection',
      'gefyra.dev/provider': 'stowaway',
    });
    expect(template.spec.serviceAccountName).toBe('gefyra-stowaway');
    const [container] = template.spec.containers;
    expect(container).toMatchObject({
      name: 'stowaway',
      image: 'reg.example/stowaway:2.5.4',
      envFrom: [{ configMapRef: { name: 'gefyra-stowaway-config' } }],
      ports: [{ containerPort: 51820, protocol: 'UDP' }],
      securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_MODULE'] } },
    });
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe'])
      expect(container?.[probe]).toMatchObject({ httpGet: { port: 51822 } });
    expect(
      cluster.peek({
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: 'gefyra',
        name: 'stowaway-config-gefyra-stowaway-0',
      })?.['spec'],
    ).toMatchObject({ resources: { requests: { storage: '128Mi' } } });
    expect(cluster.readConfigMap('gefyra', 'gefyra-stowaway-config')).toEqual({
      PEERS: '0',
      SERVERPORT: '31820',
      PUID: '1000',
      PGID: '1000',
      PEERDNS: 'auto',
      INTERNAL_SUBNET: '192.168.99.0',
      LOG_CONFS: 'false',
    });
    expect(cluster.readConfigMap('gefyra', 'gefyra-stowaway-proxyroutes')).toEqual({});
    expect(
      cluster.peek({ apiVersion: 'v1', kind: 'Service', namespace: 'gefyra', name: 'gefyra-stowaway-wireguard' })?.[
        'spec'
      ],
    ).toMatchObject({
      type: 'NodePort',
      selector: template.metadata.labels,
      ports: [{ name: 'gefyra-wireguard', protocol: 'UDP', port: 51820, targetPort: 51820, nodePort: 31820 }],
    });
    expect(await installer.observeReadiness(signal())).toEqual({
      ready: true,
      podUid: cluster.peekPod({ namespace: 'gefyra', name: 'gefyra-stowaway-0' })?.uid,
    });
  });

  it('names the Service elsewhere that holds the node port (NodePortInUse, not retried), as 0.13 does', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra', 'vpn'] });
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'tunnel', namespace: 'vpn' },
        spec: { type: 'NodePort', ports: [{ port: 51820, protocol: 'UDP', nodePort: 31820 }] },
      },
      signal(),
    );

    const failure = await new Stowaway2Installer(cluster, settingsOf({}))
      .ensureInstalled(signal())
      .catch((error: unknown) => error);

    expect(failure).toMatchObject({
      kind: 'AlreadyExists',
      retryable: false,
      details: { reason: 'NodePortInUse', nodePort: 31820 },
    });
    expect((failure as Error).message).toBe(
      'node port 31820 is already used by Service vpn/tunnel; set GEFYRA_STOWAWAY_SERVERPORT to a free node port (or remove that Service)',
    );
    expect(
      cluster.peek({ apiVersion: 'v1', kind: 'Service', namespace: 'gefyra', name: 'gefyra-stowaway-wireguard' }),
    ).toBeUndefined();
  });

  it('leaves the WireGuard Service the client made alone (a LoadBalancer stays one)', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const ref = { apiVersion: 'v1', kind: 'Service', namespace: 'gefyra', name: 'gefyra-stowaway-wireguard' };
    const clients = {
      type: 'LoadBalancer',
      selector: { 'gefyra.dev/app': 'stowaway' },
      ports: [{ name: 'gefyra-wireguard', protocol: 'UDP', port: 51820 }],
    };
    await cluster.create(
      { apiVersion: 'v1', kind: 'Service', metadata: { name: ref.name, namespace: ref.namespace }, spec: clients },
      signal(),
    );
    const before = cluster.peek(ref)?.metadata.resourceVersion;

    await new Stowaway2Installer(cluster, settingsOf({})).ensureInstalled(signal());

    expect(cluster.peek(ref)?.metadata.resourceVersion).toBe(before);
    expect(cluster.peek(ref)?.['spec']).toMatchObject({ type: 'LoadBalancer' });
  });

  it('changes only its own keys of an existing ConfigMap, restores a missing PEERS as "0", and says why Stowaway is not ready', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const installer = new Stowaway2Installer(cluster, settingsOf({ GEFYRA_STOWAWAY_SERVERPORT: '31999' }));
    expect(await installer.observeReadiness(signal())).toEqual({
      ready: false,
      reason: 'pod gefyra-stowaway-0 does not exist yet',
    });
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'gefyra-stowaway-config', namespace: 'gefyra' },
        data: { SERVERPORT: '31820', SERVER_ALLOWEDIPS_PEER_x: '10.0.0.0/8' },
      },
      signal(),
    );
    cluster.neverReady('gefyra-stowaway-0');
    await installer.ensureInstalled(signal());
    expect(cluster.readConfigMap('gefyra', 'gefyra-stowaway-config')).toMatchObject({
      SERVERPORT: '31999',
      PEERS: '0',
      SERVER_ALLOWEDIPS_PEER_x: '10.0.0.0/8',
    });
    expect(await installer.observeReadiness(signal())).toEqual({
      ready: false,
      reason: 'gefyra-stowaway-0 is running but not ready (WireGuard not listening yet)',
    });
    cluster.failImagePull('stowaway');
    await cluster.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'gefyra', name: 'gefyra-stowaway-0' }, signal());
    expect(await installer.observeReadiness(signal())).toEqual({
      ready: false,
      reason: 'container stowaway of gefyra-stowaway-0 is not running',
    });
  });
});

describe("settings from the 2.5 client's variables", () => {
  it('reads the tag under both names and refuses bad values together', () => {
    expect(settingsOf({}).tag).toBe('2.5.4');
    expect(settingsOf({ GEFYRA_STOWAWAY_TAG: '2.3.3' }).tag).toBe('2.3.3');
    expect(settingsOf({ GEFYRA_STOWAWAY_TAG: 'latest' }).pullPolicy).toBe('Always');
    expect(() => settingsOf({ GEFYRA_INTERNAL_SUBNET: '10.1.2.3', GEFYRA_STOWAWAY_STORAGE: 'lots' })).toThrow(
      ConfigurationError,
    );
  });

  it('turns the maximum connection age and the ServiceAccount switch into lifecycle settings', () => {
    const parse = (environment: Record<string, string>) => clientLifecycleSettingsOf(environment);
    expect(parse({})).toEqual({
      manageServiceAccounts: true,
      maxConnectionAgeMs: undefined,
      observeIntervalMs: 60_000,
    });
    expect(parse({ GEFYRA_STOWAWAY_MAX_CONNECTION_AGE: '3600', GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'True' })).toEqual({
      manageServiceAccounts: false,
      maxConnectionAgeMs: 3_600_000,
      observeIntervalMs: 60_000,
    });
    expect(() => parse({ GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'maybe' })).toThrow(ConfigurationError);
  });
});

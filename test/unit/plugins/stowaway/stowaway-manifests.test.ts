import { describe, expect, it } from 'vitest';
import * as manifests from '../../../../src/plugins/stowaway/stowaway-manifests.js';
import { stowawaySettingsOf } from '../../../../src/plugins/stowaway/stowaway-settings.js';
import { pluginContext } from '../../../support/plugin-context.js';
import { ConfigurationError } from '../../../../src/environment.js';
import { GEFYRA_RELEASE } from '../../../../src/gefyra-release.js';
import { parseSubnet } from '../../../../src/domain/intercept/intercept-policy.js';

const settings = (environment: Record<string, string> = {}) => stowawaySettingsOf(pluginContext(environment));

describe('Stowaway settings', () => {
  it("default to Gefyra 0.13's names and values", () => {
    expect(settings()).toEqual({
      namespace: 'gefyra',
      image: 'quay.io/gefyra/stowaway',
      tag: GEFYRA_RELEASE,
      pullPolicy: 'IfNotPresent',
      nodePort: 31820,
      peerConfigPath: '/config/peer1/peer1.conf',
      internalSubnet: '192.168.99.0',
      peerSubnet: '0.0.0.0/0',
      // No client network named: only the peers' own addresses (Stowaway's 0.0.0.0/0 says nothing about where containers live).
      clientSubnets: [parseSubnet('192.168.99.0/24')],
      puid: '1000',
      pgid: '1000',
      startupTimeoutMs: 180_000,
    });
  });

  it('pull `latest` always, pinned tags if not present, unless told otherwise', () => {
    expect(settings({ GEFYRA_STOWAWAY_TAG: 'latest' }).pullPolicy).toBe('Always');
    expect(settings({ GEFYRA_STOWAWAY_TAG: 'latest', GEFYRA_STOWAWAY_IMAGE_PULLPOLICY: 'Never' }).pullPolicy).toBe(
      'Never',
    );
  });

  it("reach a client's containers in the Docker network it passes as GEFYRA_PEER_SUBNET, and its peers in the internal /24", () => {
    const client = settings({ GEFYRA_PEER_SUBNET: '172.18.0.0/16', GEFYRA_INTERNAL_SUBNET: '10.99.0.0' });
    expect(client.peerSubnet).toBe('172.18.0.0/16');
    expect(client.clientSubnets).toEqual([parseSubnet('10.99.0.0/24'), parseSubnet('172.18.0.0/16')]);
    expect(
      settings({ GEFYRA_PEER_SUBNET: '172.18.0.0/16, fd00::/64' }).clientSubnets.map((subnet) => subnet.text),
    ).toEqual(['192.168.99.0/24', '172.18.0.0/16', 'fd00::/64']);
    expect(() => settings({ GEFYRA_PEER_SUBNET: '172.18.0.3' })).toThrow(
      'GEFYRA_PEER_SUBNET must be a comma-separated list of CIDRs such as 172.18.0.0/16 (got "172.18.0.3")',
    );
  });

  it('report every bad value of its own and the shared variables at once, with the value', () => {
    let thrown: unknown;
    try {
      settings({
        GEFYRA_STOWAWAY_SERVERPORT: 'abc',
        GEFYRA_STOWAWAY_STARTUP_TIMEOUT: 'soon',
        GEFYRA_STOWAWAY_PUID: 'root',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).problems).toEqual([
      'GEFYRA_STOWAWAY_SERVERPORT must be a port number (got "abc")',
      'GEFYRA_STOWAWAY_STARTUP_TIMEOUT must be a number of seconds (got "soon")',
      'GEFYRA_STOWAWAY_PUID must be a numeric user id (got "root")',
    ]);
  });
});

describe('Stowaway manifests', () => {
  const deployment = manifests.deployment(settings({ GEFYRA_STOWAWAY_SERVERPORT: '31999' })) as unknown as {
    metadata: { name: string; labels: Record<string, string> };
    spec: {
      template: {
        metadata: { labels: Record<string, string> };
        spec: { serviceAccountName: string; containers: Record<string, unknown>[]; volumes: unknown[] };
      };
    };
  };
  const container = deployment.spec.template.spec.containers[0] as Record<string, unknown>;

  it('run Stowaway as the image expects', () => {
    expect(deployment.metadata.name).toBe('gefyra-stowaway');
    expect(deployment.spec.template.metadata.labels['app']).toBe('stowaway');
    expect(deployment.spec.template.spec.serviceAccountName).toBe('gefyra-stowaway');
    expect(container['name']).toBe('stowaway');
    expect(container['image']).toBe(`quay.io/gefyra/stowaway:${GEFYRA_RELEASE}`);
    expect(container['ports']).toEqual([{ name: 'wireguard', containerPort: 51820, protocol: 'UDP' }]);
    expect(container['securityContext']).toEqual({
      privileged: true,
      capabilities: { add: ['NET_ADMIN', 'SYS_MODULE'] },
    });
    expect(container['readinessProbe']).toMatchObject({ exec: { command: ['cat', '/config/peer1/peer1.conf'] } });
    expect(container['env']).toEqual([
      { name: 'PEERS', value: '1' },
      { name: 'SERVERPORT', value: '31999' },
      { name: 'PUID', value: '1000' },
      { name: 'PGID', value: '1000' },
      { name: 'PEERDNS', value: 'auto' },
      { name: 'INTERNAL_SUBNET', value: '192.168.99.0' },
      { name: 'SERVER_ALLOWEDIPS_PEER_1', value: '0.0.0.0/0' },
    ]);
    expect(container['volumeMounts']).toEqual([
      { name: 'lib-modules', mountPath: '/lib/modules' },
      { name: 'proxyroutes', mountPath: '/stowaway/proxyroutes' },
    ]);
    expect(deployment.spec.template.spec.volumes).toEqual([
      { name: 'lib-modules', hostPath: { path: '/lib/modules' } },
      { name: 'proxyroutes', configMap: { name: 'gefyra-stowaway-proxyroutes' } },
    ]);
  });

  it('expose WireGuard on the node port and rsync headless', () => {
    expect(manifests.wireguardService(settings())['spec']).toEqual({
      type: 'NodePort',
      selector: { app: 'stowaway' },
      ports: [{ name: 'wireguard', protocol: 'UDP', port: 51820, targetPort: 51820, nodePort: 31820 }],
    });
    expect(manifests.rsyncService(settings())['spec']).toMatchObject({
      clusterIP: 'None',
      ports: [{ protocol: 'TCP', port: 10873 }],
    });
  });

  it('give each proxy port its own Service selecting Stowaway', () => {
    const service = manifests.proxyService(settings(), 10007, 'web-to-shop');
    expect(service.metadata.name).toBe('gefyra-stowaway-proxy-10007');
    expect(service['spec']).toEqual({
      selector: { app: 'stowaway' },
      ports: [{ name: 'proxy', protocol: 'TCP', port: 10007, targetPort: 10007 }],
    });
  });

  it('never carry route data in the ConfigMap they apply', () => {
    expect(manifests.routesConfigMap(settings())).not.toHaveProperty('data');
  });
});

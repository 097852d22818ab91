import { parseSubnet } from '../../../src/domain/intercept/intercept-policy.js';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.js';
import { ConfigurationError } from '../../../src/environment.js';

describe('loadConfig', () => {
  it("defaults to Gefyra 0.13's values and wide proxy port range", () => {
    expect(loadConfig({ POD_NAME: 'gefyra-operator-abc' })).toEqual({
      namespace: 'gefyra',
      connectionTimeoutMs: 600_000,
      heartbeatIntervalMs: 30_000,
      proxyPorts: { first: 10000, last: 19999 },
      // None named: the built-in ones (plugin-registry.ts), which the core does not name.
      plugins: [],
      logLevel: 'info',
      maxConcurrentReconciles: 32,
      resyncIntervalMs: 600_000,
      leaderElection: true,
      leaseDurationSeconds: 15,
      identity: 'gefyra-operator-abc',
      clusterRole: 'gefyra-operator',
      healthPort: 8080,
      // No client network named: Stowaway routes everything, and no container network is allowed by default.
      subnets: { internal: '192.168.99.0', peers: '0.0.0.0/0', clientNetworks: [] },
      policy: {
        allowedNamespaces: [],
        deniedNamespaces: [],
        // None named: where the tunnel routes to its clients (the tunnel plugin's settings say).
        destinationSubnets: undefined,
        requesterReview: 'auto',
      },
      // The 0.13 client's Deployment serves no webhook; deploy/ turns it on.
      requesterWebhook: { enabled: false, port: 9443 },
    });
  });

  it("reads the intercept policy; GEFYRA_DESTINATION_SUBNETS is the explicit list, the tunnel's subnets are not read here", () => {
    expect(
      loadConfig({
        GEFYRA_ALLOWED_NAMESPACES: 'dev, staging',
        GEFYRA_DENIED_NAMESPACES: 'payments',
        GEFYRA_INTERNAL_SUBNET: '10.99.0.0',
        GEFYRA_PEER_SUBNET: '172.18.0.0/16',
        GEFYRA_REQUESTER_REVIEW: 'required',
      }).policy,
    ).toEqual({
      allowedNamespaces: ['dev', 'staging'],
      deniedNamespaces: ['payments'],
      destinationSubnets: undefined,
      requesterReview: 'required',
    });
    expect(loadConfig({ GEFYRA_DESTINATION_SUBNETS: '192.168.99.0/24, fd00::/64' }).policy.destinationSubnets).toEqual([
      parseSubnet('192.168.99.0/24'),
      parseSubnet('fd00::/64'),
    ]);
  });

  it("reads the client's Docker network from GEFYRA_PEER_SUBNET: routed by Stowaway as given, and where its containers are", () => {
    const { subnets } = loadConfig({ GEFYRA_PEER_SUBNET: '172.18.0.0/16,fd00::/64' });
    expect(subnets).toEqual({
      internal: '192.168.99.0',
      peers: '172.18.0.0/16,fd00::/64',
      clientNetworks: [parseSubnet('172.18.0.0/16'), parseSubnet('fd00::/64')],
    });
    expect(() => loadConfig({ GEFYRA_PEER_SUBNET: '172.18.0.3' })).toThrow(
      'GEFYRA_PEER_SUBNET must be a comma-separated list of CIDRs such as 172.18.0.0/16 (got "172.18.0.3")',
    );
  });

  it('rejects a bad policy with one line per variable', () => {
    expect(() =>
      loadConfig({
        GEFYRA_ALLOWED_NAMESPACES: 'ok,Bad_One',
        GEFYRA_DESTINATION_SUBNETS: '10.0.0.1',
        GEFYRA_REQUESTER_REVIEW: 'maybe',
      }),
    ).toThrow(
      expect.objectContaining({
        problems: [
          'GEFYRA_ALLOWED_NAMESPACES must be a comma-separated list of namespace names (not: Bad_One) (got "ok,Bad_One")',
          'GEFYRA_DESTINATION_SUBNETS must be a comma-separated list of CIDRs such as 192.168.99.0/24 (got "10.0.0.1")',
          'GEFYRA_REQUESTER_REVIEW must be auto, required or off (got "maybe")',
        ],
      }),
    );
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({ GEFYRA_NAMESPACE: '' }).namespace).toBe('gefyra');
  });

  it('reads every setting', () => {
    const config = loadConfig({
      GEFYRA_NAMESPACE: 'dev-tools',
      GEFYRA_PROXY_PORT_RANGE: '20000-20099',
      GEFYRA_CONNECTION_TIMEOUT: '0',
      GEFYRA_PLUGINS: 'stowaway, carrier ,',
      GEFYRA_LEADER_ELECTION: 'false',
      GEFYRA_REQUESTER_WEBHOOK: 'on',
      GEFYRA_REQUESTER_WEBHOOK_PORT: '9444',
    });
    expect(config).toMatchObject({
      namespace: 'dev-tools',
      proxyPorts: { first: 20000, last: 20099 },
      connectionTimeoutMs: 0,
      plugins: ['stowaway', 'carrier'],
      leaderElection: false,
      requesterWebhook: { enabled: true, port: 9444 },
    });
  });

  it('reports every bad value at once, one clear line each', () => {
    let thrown: unknown;
    try {
      loadConfig({
        GEFYRA_NAMESPACE: 'Not_A_Namespace',
        GEFYRA_PROXY_PORT_RANGE: '20000-100',
        GEFYRA_HEARTBEAT_INTERVAL: 'soon',
        GEFYRA_LOG_LEVEL: 'loud',
        GEFYRA_LEADER_ELECTION: 'yes',
      });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).problems).toEqual([
      'GEFYRA_NAMESPACE must be a valid namespace name (got "Not_A_Namespace")',
      'GEFYRA_HEARTBEAT_INTERVAL must be a number of seconds (got "soon")',
      'GEFYRA_PROXY_PORT_RANGE must look like 10000-19999 (ports 1-65535, first <= last) (got "20000-100")',
      'GEFYRA_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent (got "loud")',
      'GEFYRA_LEADER_ELECTION must be true or false (got "yes")',
    ]);
    expect((thrown as Error).message).toMatch(/^invalid configuration:\n {2}- GEFYRA_NAMESPACE/);
  });
});

import { describe, expect, it } from 'vitest';
import { carrier2Config, type ConfiguredBridge } from '../../../../src/plugins/carrier2/carrier2-config.js';
import { parse, stringify } from 'yaml';

const upstream = 'web-app-gefyra-svc.shop.svc.cluster.local:8080';
const bridge = (name: string, createdAt: string, user: string, ports: Record<string, string>): ConfiguredBridge => ({
  name,
  createdAt,
  endpoints: ports,
  rules: [[{ on: 'header', name: 'X-User', value: user, type: 'exact' }]],
});

describe('carrier2Config', () => {
  const alice = bridge('alice-web', '2026-12-07T10:00:00Z', 'alice', {
    '8080': 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000',
  });
  const bob = bridge('bob-web', '2026-12-07T10:05:00Z', 'bob', {
    '8080': 'gefyra-stowaway-proxy-10001.gefyra.svc.cluster.local:10001',
    '9090': 'gefyra-stowaway-proxy-10002.gefyra.svc.cluster.local:10002',
  });

  it('writes the file carrier2 reads: its fixed settings, the probes, one proxy per port with the bridges on it', () => {
    const config = carrier2Config({
      ports: [
        { port: 8080, clusterUpstream: [upstream] },
        { port: 9090, clusterUpstream: ['web-app-gefyra-svc.shop.svc.cluster.local:9090'] },
      ],
      probePorts: { httpGet: [8081], httpsGet: [] },
      bridges: [alice, bob],
    });
    expect(config).toEqual({
      version: 1,
      threads: 4,
      error_log: '/tmp/carrier.log',
      pid_file: '/tmp/carrier2.pid',
      upgrade_sock: '/tmp/carrier2.sock',
      upstream_keepalive_pool_size: 100,
      probes: { httpGet: [8081], httpsGet: [] },
      proxy: [
        {
          port: 8080,
          clusterUpstream: [upstream],
          bridges: new Map([
            [
              'alice-web',
              {
                endpoint: 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000',
                rules: [{ match: [{ matchHeader: { name: 'x-user', value: 'alice', type: 'exact' } }] }],
              },
            ],
            [
              'bob-web',
              {
                endpoint: 'gefyra-stowaway-proxy-10001.gefyra.svc.cluster.local:10001',
                rules: [{ match: [{ matchHeader: { name: 'x-user', value: 'bob', type: 'exact' } }] }],
              },
            ],
          ]),
        },
        {
          port: 9090,
          clusterUpstream: ['web-app-gefyra-svc.shop.svc.cluster.local:9090'],
          bridges: new Map([
            [
              'bob-web',
              {
                endpoint: 'gefyra-stowaway-proxy-10002.gefyra.svc.cluster.local:10002',
                rules: [{ match: [{ matchHeader: { name: 'x-user', value: 'bob', type: 'exact' } }] }],
              },
            ],
          ]),
        },
      ],
    });
  });

  it('orders bridges oldest first whatever order they were listed in, same-second ones by name', () => {
    const carol = bridge('carol-web', '2026-12-07T10:05:00Z', 'carol', { '8080': 'c:1' });
    const order = (bridges: ConfiguredBridge[]) => [
      ...carrier2Config({
        ports: [{ port: 8080, clusterUpstream: [upstream] }],
        probePorts: { httpGet: [], httpsGet: [] },
        bridges,
      }).proxy[0]!.bridges.keys(),
    ];
    expect(order([carol, bob, alice])).toEqual(['alice-web', 'bob-web', 'carol-web']);
    expect(order([alice, carol, bob])).toEqual(['alice-web', 'bob-web', 'carol-web']);
  });

  it('writes bridges whose names look like numbers in their order too (an object would sort them first, ascending)', () => {
    const older = bridge('20', '2026-12-07T10:00:00Z', 'older', { '8080': 'o:1' });
    const newer = bridge('10', '2026-12-07T10:01:00Z', 'newer', { '8080': 'n:1' });
    const named = bridge('a-bridge', '2026-12-07T09:00:00Z', 'first', { '8080': 'a:1' });
    const yaml = stringify(
      carrier2Config({
        ports: [{ port: 8080, clusterUpstream: [upstream] }],
        probePorts: { httpGet: [], httpsGet: [] },
        bridges: [newer, older, named],
      }),
    );
    // Read back as carrier2 reads it: a mapping in the file's order (a JS object would sort the numeric names again).
    const read = parse(yaml, { mapAsMap: true }) as Map<string, Map<string, unknown>[]>;
    const bridges = read.get('proxy')![0]!.get('bridges') as Map<string, unknown>;
    expect([...bridges.keys()]).toEqual(['a-bridge', '20', '10']);
    expect(yaml.indexOf('a-bridge:')).toBeLessThan(yaml.indexOf('"20":'));
    expect(yaml.indexOf('"20":')).toBeLessThan(yaml.indexOf('"10":'));
  });

  it('keeps TLS on the port that has it', () => {
    const config = carrier2Config({
      ports: [{ port: 8443, clusterUpstream: [upstream], tls: { certificate: '/tmp/c.pem', key: '/tmp/k.pem' } }],
      probePorts: { httpGet: [], httpsGet: [] },
      bridges: [],
    });
    expect(config.proxy[0]).toEqual({
      port: 8443,
      tls: { certificate: '/tmp/c.pem', key: '/tmp/k.pem' },
      clusterUpstream: [upstream],
      bridges: new Map(),
    });
  });
});

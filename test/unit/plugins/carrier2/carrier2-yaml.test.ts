import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { carrier2Yaml } from '../../../../src/plugins/carrier2/carrier2-yaml.js';
import type { CarrierRoute } from '../../../../src/ports/carrier-installer.port.js';

const route = (name: string, containerPort: number, proxyPort: number): CarrierRoute => ({
  containerPort,
  proxyHost: `gefyra-stowaway-proxy-${proxyPort}.gefyra.svc.cluster.local`,
  proxyPort,
  selective: {
    name,
    since: '2026-12-07T10:00:00Z',
    rules: [[{ on: 'path', path: '/api', type: 'prefix' }]],
  },
});

describe('carrier2Yaml', () => {
  it('makes one bridge of the routes one owner has on several ports, and proxies a port that has only its fallback', () => {
    const yaml = carrier2Yaml({
      routes: [route('alice', 8080, 10000), route('alice', 9090, 10001)],
      probePorts: [8081],
      syncDirectories: [],
      fallback: { 8080: ['shadow.shop.svc.cluster.local:8080'], 7070: ['shadow.shop.svc.cluster.local:7070'] },
    });
    const config = parse(yaml) as { proxy: { port: number; bridges: Record<string, { endpoint: string }> }[] };
    expect(config.proxy.map((proxy) => proxy.port)).toEqual([7070, 8080, 9090]);
    expect(config.proxy.map((proxy) => Object.keys(proxy.bridges))).toEqual([[], ['alice'], ['alice']]);
    expect(config.proxy[2]?.bridges['alice']?.endpoint).toBe(
      'gefyra-stowaway-proxy-10001.gefyra.svc.cluster.local:10001',
    );
    expect(parse(yaml)).toMatchObject({ probes: { httpGet: [8081], httpsGet: [] } });
  });

  it('refuses a route without rules: carrier2 sends a request to a bridge only when its rules hit', () => {
    const { selective: _, ...everything } = route('alice', 8080, 10000);
    expect(() => carrier2Yaml({ routes: [everything], probePorts: [], syncDirectories: [] })).toThrow(
      expect.objectContaining({ kind: 'Invalid', message: expect.stringContaining('port 8080') }),
    );
  });
});

import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../../../../../src/adapters/in-memory/index.js';
import { admissionHandlers } from '../../../../../src/plugins/gefyra2/adapters/admission-handlers.js';
import type { AdmissionInput } from '../../../../../src/domain/admission/admission-verdict.js';
import { parseSubnet } from '../../../../../src/domain/intercept/intercept-policy.js';
import { signal } from '../../../../support/scenario.js';

const client = (name: string, fields: Record<string, unknown> = {}) => ({
  apiVersion: 'gefyra.dev/v1',
  kind: 'gefyraclient',
  metadata: { name, namespace: 'gefyra' },
  provider: 'stowaway',
  state: 'WAITING',
  ...fields,
});
const setSubnet = (name: string, subnet: string): AdmissionInput => ({
  operation: 'UPDATE',
  oldObject: client(name),
  object: client(name, { providerParameter: { subnet } }),
});

describe('the admission handlers on the cluster', () => {
  it("compare a new subnet with the other clients' and Stowaway's peers, never with the client's own", async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    await cluster.create(client('dev-b', { state: 'ACTIVE', providerParameter: { subnet: '172.30.0.0/16' } }), signal);
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'gefyra-stowaway-config', namespace: 'gefyra' },
        data: {
          PEERS: 'devc,dev000a',
          SERVER_ALLOWEDIPS_PEER_devc: '10.10.0.0/24',
          SERVER_ALLOWEDIPS_PEER_dev000a: '172.40.0.0/16',
        },
      },
      signal,
    );
    const rule = admissionHandlers(cluster)['/client-parameters']!;
    expect(await rule(setSubnet('dev-a', '172.30.0.0/16'), 'gefyra', signal)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('GefyraClient dev-b'),
    });
    expect(await rule(setSubnet('dev-a', '10.10.0.0/16'), 'gefyra', signal)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('Stowaway peer devc'),
    });
    // 172.40.0.0/16 is dev-a's own peer (id dev000a): taking it again is no collision.
    expect(await rule(setSubnet('dev-a', '172.40.0.0/16'), 'gefyra', signal)).toEqual({ allowed: true });
  });

  it('refuse creating a client whose name gives the peer id of an existing one, and only that', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    await cluster.create(client('dev-a', { state: 'ACTIVE', providerParameter: { subnet: '172.30.0.0/16' } }), signal);
    const rule = admissionHandlers(cluster)['/client-parameters']!;
    const creating = (name: string): AdmissionInput => ({
      operation: 'CREATE',
      object: client(name, { state: 'REQUESTED' }),
    });
    for (const name of ['dev.a', 'dev000a']) {
      expect(await rule(creating(name), 'gefyra', signal), name).toMatchObject({
        allowed: false,
        message: expect.stringContaining('peer id dev000a, which GefyraClient dev-a already has'),
      });
    }
    expect(await rule(creating('dev-b'), 'gefyra', signal)).toEqual({ allowed: true });
  });

  it("read the mount's state and the mount's other bridges", async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    const mount = {
      apiVersion: 'gefyra.dev/v1',
      kind: 'gefyrabridgemount',
      metadata: { name: 'web', namespace: 'gefyra' },
      state: 'PREPARING',
    };
    await cluster.create(mount, signal);
    await cluster.create(client('dev-a', { state: 'ACTIVE', providerParameter: { subnet: '172.30.0.0/16' } }), signal);
    const bridge = {
      metadata: {
        name: 'dev-a-web',
        namespace: 'gefyra',
        labels: { 'gefyra.dev/bridge-mount': 'web', 'gefyra.dev/client': 'dev-a' },
      },
      provider: 'carrier2',
      target: 'web',
      destinationIP: '172.30.0.2',
      // As `gefyra bridge create -p 8000:80 --match-header x-dev:a` writes them (client-reads.md).
      portMappings: ['8000:80'],
      providerParameter: { rules: [{ match: [{ matchHeader: { name: 'x-dev', value: 'a', type: 'exact' } }] }] },
    };
    const rule = admissionHandlers(cluster)['/bridge-parameters']!;
    expect(await rule({ operation: 'CREATE', object: bridge }, 'gefyra', signal)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('is PREPARING'),
    });
    await cluster.patch(
      { apiVersion: 'gefyra.dev/v1', kind: 'gefyrabridgemount', namespace: 'gefyra', name: 'web' },
      { state: 'ACTIVE' },
      signal,
    );
    expect(await rule({ operation: 'CREATE', object: bridge }, 'gefyra', signal)).toEqual({ allowed: true });
    await cluster.create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyrabridge',
        ...bridge,
        metadata: { ...bridge.metadata, name: 'dev-b-web' },
      },
      signal,
    );
    expect(await rule({ operation: 'CREATE', object: bridge }, 'gefyra', signal)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('dev-b-web'),
    });
  });

  it("read the bridge's own client's subnet: another developer's container is refused, naming the subnet", async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    await cluster.create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyrabridgemount',
        metadata: { name: 'web', namespace: 'gefyra' },
        state: 'ACTIVE',
      },
      signal,
    );
    await cluster.create(client('dev-a', { state: 'ACTIVE', providerParameter: { subnet: '172.18.0.0/16' } }), signal);
    await cluster.create(client('dev-b', { state: 'ACTIVE', providerParameter: { subnet: '172.19.0.0/16' } }), signal);
    const bridge = (destinationIP: string, fields: Record<string, unknown> = {}) => ({
      metadata: {
        name: 'dev-a-web',
        namespace: 'gefyra',
        labels: { 'gefyra.dev/bridge-mount': 'web', 'gefyra.dev/client': 'dev-a' },
      },
      provider: 'carrier2',
      target: 'web',
      client: 'dev-a',
      destinationIP,
      // As `gefyra bridge create -p 8000:80 --match-header x-dev:a` writes them (client-reads.md).
      portMappings: ['8000:80'],
      providerParameter: { rules: [{ match: [{ matchHeader: { name: 'x-dev', value: 'a', type: 'exact' } }] }] },
      ...fields,
    });
    const rule = admissionHandlers(cluster)['/bridge-parameters']!;
    const intoDevB = {
      allowed: false,
      message:
        "destinationIP 172.19.0.3 is outside 172.18.0.0/16, the subnet of GefyraClient dev-a: a bridge may only send traffic to its own client's containers",
    };
    expect(await rule({ operation: 'CREATE', object: bridge('172.19.0.3') }, 'gefyra', signal)).toEqual(intoDevB);
    expect(await rule({ operation: 'CREATE', object: bridge('172.18.0.3') }, 'gefyra', signal)).toEqual({
      allowed: true,
    });
    // `gefyra run` re-points the bridge: within the client's network only.
    expect(
      await rule(
        { operation: 'UPDATE', oldObject: bridge('172.18.0.3'), object: bridge('172.19.0.3') },
        'gefyra',
        signal,
      ),
    ).toEqual(intoDevB);
    expect(
      await rule(
        { operation: 'UPDATE', oldObject: bridge('172.18.0.3'), object: bridge('172.18.0.4') },
        'gefyra',
        signal,
      ),
    ).toEqual({ allowed: true });
    // Disconnected, dev-a has no subnet: the operator's own status patches still pass.
    await cluster.patch(
      { apiVersion: 'gefyra.dev/v1', kind: 'gefyraclient', namespace: 'gefyra', name: 'dev-a' },
      { providerParameter: null, state: 'WAITING' },
      signal,
    );
    expect(
      await rule(
        { operation: 'UPDATE', oldObject: bridge('172.18.0.3'), object: bridge('172.18.0.3', { state: 'ERROR' }) },
        'gefyra',
        signal,
      ),
    ).toEqual({ allowed: true });
    expect(await rule({ operation: 'CREATE', object: bridge('172.18.0.3') }, 'gefyra', signal)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('GefyraClient dev-a has no subnet'),
    });
    // GEFYRA_DESTINATION_SUBNETS narrows it.
    await cluster.patch(
      { apiVersion: 'gefyra.dev/v1', kind: 'gefyraclient', namespace: 'gefyra', name: 'dev-a' },
      { providerParameter: { subnet: '172.18.0.0/16' }, state: 'ACTIVE' },
      signal,
    );
    const narrowed = admissionHandlers(cluster, { destinationSubnets: [parseSubnet('172.18.9.0/24')!] })[
      '/bridge-parameters'
    ]!;
    expect(await narrowed({ operation: 'CREATE', object: bridge('172.18.0.3') }, 'gefyra', signal)).toEqual({
      allowed: false,
      message: 'destinationIP 172.18.0.3 is outside the subnets the operator allows (172.18.9.0/24)',
    });
  });

  it('find a second mount of the same workload', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    const mount = { provider: 'carrier2mount', target: 'deploy/web', targetNamespace: 'shop', targetContainer: 'app' };
    await cluster.create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyrabridgemount',
        metadata: { name: 'first', namespace: 'gefyra' },
        ...mount,
      },
      signal,
    );
    const rule = admissionHandlers(cluster)['/mount-parameters']!;
    expect(
      await rule({ operation: 'CREATE', object: { metadata: { name: 'second' }, ...mount } }, 'gefyra', signal),
    ).toMatchObject({ allowed: false });
  });
});

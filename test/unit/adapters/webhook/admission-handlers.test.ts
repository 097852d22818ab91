import { describe, expect, it } from 'vitest';
import { InMemoryCluster } from '../../../../src/adapters/in-memory/index.js';
import { admissionHandlers } from '../../../../src/adapters/webhook/admission-handlers.js';
import type { AdmissionInput } from '../../../../src/webhook/admission-verdict.js';
import { signal } from '../../../support/scenario.js';

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
        data: { PEERS: 'devc,dev000a', SERVER_ALLOWEDIPS_PEER_devc: '10.10.0.0/24', SERVER_ALLOWEDIPS_PEER_dev000a: '172.40.0.0/16' },
      },
      signal,
    );
    const rule = admissionHandlers(cluster)['/client-parameters']!;
    expect(await rule(setSubnet('dev-a', '172.30.0.0/16'), 'gefyra', signal)).toMatchObject({ allowed: false, message: expect.stringContaining('GefyraClient dev-b') });
    expect(await rule(setSubnet('dev-a', '10.10.0.0/16'), 'gefyra', signal)).toMatchObject({ allowed: false, message: expect.stringContaining('Stowaway peer devc') });
    // 172.40.0.0/16 is dev-a's own peer (id dev000a): taking it again is no collision.
    expect(await rule(setSubnet('dev-a', '172.40.0.0/16'), 'gefyra', signal)).toEqual({ allowed: true });
  });

  it('refuse creating a client whose name gives the peer id of an existing one, and only that', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    await cluster.create(client('dev-a', { state: 'ACTIVE', providerParameter: { subnet: '172.30.0.0/16' } }), signal);
    const rule = admissionHandlers(cluster)['/client-parameters']!;
    const creating = (name: string): AdmissionInput => ({ operation: 'CREATE', object: client(name, { state: 'REQUESTED' }) });
    for (const name of ['dev.a', 'dev000a']) {
      expect(await rule(creating(name), 'gefyra', signal), name).toMatchObject({ allowed: false, message: expect.stringContaining('peer id dev000a, which GefyraClient dev-a already has') });
    }
    expect(await rule(creating('dev-b'), 'gefyra', signal)).toEqual({ allowed: true });
  });

  it("read the mount's state and the mount's other bridges", async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    const mount = { apiVersion: 'gefyra.dev/v1', kind: 'gefyrabridgemount', metadata: { name: 'web', namespace: 'gefyra' }, state: 'PREPARING' };
    await cluster.create(mount, signal);
    const bridge = {
      metadata: { name: 'dev-a-web', namespace: 'gefyra', labels: { 'gefyra.dev/bridge-mount': 'web', 'gefyra.dev/client': 'dev-a' } },
      provider: 'carrier2',
      target: 'web',
      destinationIP: '172.30.0.2',
      providerParameter: { rules: [] },
    };
    const rule = admissionHandlers(cluster)['/bridge-parameters']!;
    expect(await rule({ operation: 'CREATE', object: bridge }, 'gefyra', signal)).toMatchObject({ allowed: false, message: expect.stringContaining('is PREPARING') });
    await cluster.patch({ apiVersion: 'gefyra.dev/v1', kind: 'gefyrabridgemount', namespace: 'gefyra', name: 'web' }, { state: 'ACTIVE' }, signal);
    expect(await rule({ operation: 'CREATE', object: bridge }, 'gefyra', signal)).toEqual({ allowed: true });
    await cluster.create({ apiVersion: 'gefyra.dev/v1', kind: 'gefyrabridge', ...bridge, metadata: { ...bridge.metadata, name: 'dev-b-web' } }, signal);
    expect(await rule({ operation: 'CREATE', object: bridge }, 'gefyra', signal)).toMatchObject({ allowed: false, message: expect.stringContaining('dev-b-web') });
  });

  it('find a second mount of the same workload', async () => {
    const cluster = new InMemoryCluster({ namespaces: ['gefyra'] });
    const mount = { provider: 'carrier2mount', target: 'deploy/web', targetNamespace: 'shop', targetContainer: 'app' };
    await cluster.create({ apiVersion: 'gefyra.dev/v1', kind: 'gefyrabridgemount', metadata: { name: 'first', namespace: 'gefyra' }, ...mount }, signal);
    const rule = admissionHandlers(cluster)['/mount-parameters']!;
    expect(await rule({ operation: 'CREATE', object: { metadata: { name: 'second' }, ...mount } }, 'gefyra', signal)).toMatchObject({ allowed: false });
  });
});

import { describe, expect, it } from 'vitest';
import { peerHolderOf } from '../../../../../../src/plugins/gefyra2/domain/client/peer-id-holder.js';
import { gefyraClientFrom } from '../../../../../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { peerIdOf } from '../../../../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { gefyra2, signal } from '../../../../../support/gefyra2-fixture.js';

// Issue 18, item 4: `dev-a`, `dev.a` and `dev000a` are one Stowaway peer id
// (dev000a). The second client must never get (or remove) the first one's peer.
describe('two GefyraClients whose names give one WireGuard peer id', () => {
  it("refuses the later one with a reason naming the other, leaving the other's peer alone, also when it is deleted", async () => {
    const g = await gefyra2();
    const a = await g.connect('dev-a', '172.18.0.0/16');
    const peers = new Map(g.livePeers());
    const config = { ...g.config() };
    g.clock.advance(1000);
    await g.create('dev.a');
    await g.settle('dev.a');
    const refused = g.client('dev.a');
    expect(refused?.state).toBe('ERROR');
    expect(refused?.failure).toMatchObject({
      reason: 'PeerIdTaken',
      message: expect.stringContaining('WireGuard peer id dev000a, which GefyraClient dev-a (created earlier) has'),
    });
    expect(refused?.providerConfig).toBeUndefined();
    expect(g.events('dev.a').map((event) => event.note)).toContainEqual(expect.stringContaining('GefyraClient dev-a'));
    expect(g.cluster.objects({ apiVersion: 'v1', kind: 'ServiceAccount' }).map((sa) => sa.metadata.name)).not.toContain(
      'gefyra-client-dev.a',
    );
    // Reconciled again, it stays refused and quiet.
    expect(await g.settle('dev.a')).toEqual({ done: true });

    await g.cluster.remove(g.ref('dev.a'), signal());
    await g.settle('dev.a');
    expect(g.raw('dev.a')).toBeUndefined();
    await g.settle('dev-a');
    expect(g.client('dev-a')).toMatchObject({ state: 'ACTIVE', providerConfig: a.providerConfig });
    expect(g.livePeers()).toEqual(peers);
    expect(g.config()).toEqual(config);
  });

  it("leaves the other's peer alone when the refused one is removed with --force (finalizer stripped first)", async () => {
    const g = await gefyra2();
    const a = await g.connect('dev-a', '172.18.0.0/16');
    const peers = new Map(g.livePeers());
    g.clock.advance(1000);
    await g.create('dev.a');
    await g.settle('dev.a');
    expect(g.client('dev.a')?.state).toBe('ERROR');

    await g.cluster.patch(g.ref('dev.a'), { metadata: { finalizers: null } }, signal());
    await g.cluster.remove(g.ref('dev.a'), signal());
    await g.settle('dev.a');

    expect(g.livePeers()).toEqual(peers);
    expect(g.config()).toMatchObject({ PEERS: 'dev000a', SERVER_ALLOWEDIPS_PEER_dev000a: '172.18.0.0/16' });
    await g.settle('dev-a');
    expect(g.client('dev-a')).toMatchObject({ state: 'ACTIVE', providerConfig: a.providerConfig });
  });

  it('lets the refused one go on once the other is gone, with a peer of its own', async () => {
    const g = await gefyra2();
    await g.connect('dev-a', '172.18.0.0/16');
    g.clock.advance(1000);
    await g.create('dev000a');
    await g.settle('dev000a');
    expect(g.client('dev000a')?.state).toBe('ERROR');
    await g.cluster.remove(g.ref('dev-a'), signal());
    await g.settle('dev-a');
    await g.settle('dev000a');
    expect(g.client('dev000a')).toMatchObject({ state: 'WAITING', failure: undefined });
    await g.setSubnet('dev000a', '172.19.0.0/16');
    await g.settle('dev000a');
    expect(g.client('dev000a')?.state).toBe('ACTIVE');
    expect(g.config()).toMatchObject({ PEERS: 'dev000a', SERVER_ALLOWEDIPS_PEER_dev000a: '172.19.0.0/16' });
  });

  it('agrees on which of two created in the same second has the id, whichever is reconciled first', async () => {
    const g = await gefyra2();
    await g.create('dev.a');
    await g.create('dev-a');
    await g.settle('dev.a');
    await g.settle('dev-a');
    expect([g.client('dev-a')?.state, g.client('dev.a')?.state]).toEqual(['WAITING', 'ERROR']);
    const clients = ['dev-a', 'dev.a'].map((name) => gefyraClientFrom(g.raw(name) ?? { metadata: { name } }));
    expect(clients.map((client) => peerHolderOf(client, clients, peerIdOf)?.client)).toEqual([undefined, 'dev-a']);
    expect(g.cluster.objects({ apiVersion: 'v1', kind: 'ServiceAccount' }).map((sa) => sa.metadata.name)).toContain(
      'gefyra-client-dev-a',
    );
  });
});

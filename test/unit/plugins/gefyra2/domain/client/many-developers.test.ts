import { describe, expect, it } from 'vitest';
import { NAMESPACE, gefyra2, signal } from '../../../../../support/gefyra2-fixture.js';

describe('50 developers on one Stowaway 2.x', () => {
  it('connects them all with unique addresses, and lets one leave and another join without touching the rest', async () => {
    const g = await gefyra2({ lifecycle: { manageServiceAccounts: false } });
    const names = Array.from({ length: 50 }, (_, index) => `dev-${index}`);
    for (const [index, name] of names.entries()) await g.connect(name, `10.${index + 1}.0.0/16`);
    const addresses = names.map((name) => g.client(name)?.providerConfig?.['Interface.Address']);
    expect(new Set(addresses).size).toBe(50);
    expect(addresses).toContain('192.168.99.51');
    expect(g.config()['PEERS']?.split(',')).toHaveLength(50);
    expect(g.config()['PEERS']?.split(',')).not.toContain('0');
    expect(g.livePeers().size).toBe(50);
    const pod = g.stowawayPod();
    const others = new Map(
      [...g.livePeers()].filter(([key]) => key !== g.client('dev-7')?.providerConfig?.['Interface.PublicKey']),
    );

    // What one leave and one join cost in the running Stowaway: execs counted, none of them a restart.
    g.cluster.clearExecLog();
    await g.setSubnet('dev-7', null);
    await g.settle('dev-7');
    const leave = { execs: g.cluster.execLog.length };
    g.cluster.clearExecLog();
    await g.connect('dev-50', '10.200.0.0/16');
    const join = { execs: g.cluster.execLog.length };
    // Leave: the remove script. Join: wg0.conf and any earlier peer file read, the add script, the
    // peer file and its public key read, then the first observation (`wg`).
    expect(leave.execs).toBe(1);
    expect(join.execs).toBe(6);
    // The address dev-7 gave back is the first free one.
    expect(g.client('dev-50')?.providerConfig?.['Interface.Address']).toBe('192.168.99.9');
    for (const [key, peer] of others) expect(g.livePeers().get(key)).toEqual(peer);
    expect(g.stowawayPod()).toEqual(pod);
    expect(g.simulator.regenerations).toBe(1);
    expect(await g.peers.list(signal())).toHaveLength(50);
    expect(
      g.cluster.readConfigMap(NAMESPACE, 'gefyra-stowaway-config')?.['SERVER_ALLOWEDIPS_PEER_dev0007'],
    ).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import {
  clientWireGuardFile,
  PROVIDER_CONFIG_READ_UNUSED,
  pyGet,
} from '../../../../../support/gefyra25-client-reads.js';
import { gefyra2 } from '../../../../../support/gefyra2-fixture.js';

const ENDPOINT = '203.0.113.7:31820';

// Issue 18, item 0: the 2.5 client reads `providerConfig` as a flat dict
// (`providerConfig.get("Interface.Address")`); nested sections gave it
// `Address = None` and an unusable WireGuard file.
describe('providerConfig as the 2.5 client reads it', () => {
  it('gives the client a complete WireGuard file from the flat keys of the stored object', async () => {
    const g = await gefyra2();
    await g.connect('dev-a', '172.18.0.0/16');
    const stored = g.raw('dev-a');
    const files = g.files();
    const key = (path: string) => files.get(path)?.trim();
    expect(clientWireGuardFile(stored, ENDPOINT)).toBe(
      [
        '[Interface]',
        'Address = 192.168.99.2',
        `PrivateKey = ${key('/config/peer_dev000a/privatekey-peer_dev000a')}`,
        'DNS = 192.168.99.1',
        'MTU = 1340',
        '',
        '[Peer]',
        `PublicKey = ${key('/config/server/publickey-server')}`,
        `PresharedKey = ${key('/config/peer_dev000a/presharedkey-peer_dev000a')}`,
        `Endpoint = ${ENDPOINT}`,
        'AllowedIPs = 0.0.0.0/0',
        'PersistentKeepalive = 21',
        '',
      ].join('\n'),
    );
    const config = pyGet(stored, 'providerConfig');
    for (const unused of PROVIDER_CONFIG_READ_UNUSED) expect(pyGet(config, unused)).toEqual(expect.any(String));
    expect(pyGet(config, 'Peer.Endpoint')).toBe(':31820');
    expect(pyGet(config, 'Interface.PublicKey')).toBe(key('/config/peer_dev000a/publickey-peer_dev000a'));
  });

  it('rewrites a nested providerConfig of an earlier version flat, keeping nothing of it', async () => {
    const g = await gefyra2();
    await g.connect('dev-a', '172.18.0.0/16');
    const flat = pyGet(g.raw('dev-a'), 'providerConfig') as Record<string, string>;
    const nested = {
      Interface: { Address: flat['Interface.Address'], PublicKey: flat['Interface.PublicKey'] },
      Peer: { PublicKey: flat['Peer.PublicKey'] },
    };
    await g.patch('dev-a', { providerConfig: null });
    await g.patch('dev-a', { providerConfig: nested });
    expect(clientWireGuardFile(g.raw('dev-a'), ENDPOINT)).toContain('Address = None');
    await g.settle('dev-a');
    expect(pyGet(g.raw('dev-a'), 'providerConfig')).toEqual(flat);
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
  });
});

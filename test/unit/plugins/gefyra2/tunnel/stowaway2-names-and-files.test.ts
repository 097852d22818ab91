import { describe, expect, it } from 'vitest';
import {
  parsePeers,
  peerIdOf,
  peerNameOf,
  renderPeers,
} from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { connectionOf, parseWgShow } from '../../../../../src/plugins/gefyra2/tunnel/wireguard-files.js';
import { parseSubnet, sameNetwork } from '../../../../../src/plugins/gefyra2/domain/client/client-subnet.js';

describe('Stowaway 2.x names', () => {
  it('spells peer ids and names as Gefyra 2 does', () => {
    expect(peerIdOf('dev-laptop.1')).toBe('dev000laptop0001');
    expect(peerNameOf('dev000a')).toBe('peer_dev000a');
    expect(peerNameOf('42')).toBe('peer42');
  });

  it('never writes PEERS "0" next to ids, and reads "0" as no peer', () => {
    expect(renderPeers([])).toBe('0');
    expect(renderPeers(['a', 'b'])).toBe('a,b');
    expect(parsePeers('0')).toEqual([]);
    expect(parsePeers('a,0, b')).toEqual(['a', 'b']);
  });
});

describe('WireGuard files and output', () => {
  it('reads a peer file into providerConfig, the address without a mask', () => {
    const conf =
      '[Interface]\nAddress = 192.168.99.2/32\nPrivateKey = p\nListenPort = 51820\nDNS = 192.168.99.1\n\n' +
      '[Peer]\nPublicKey = s\nPresharedKey = k\nEndpoint = :31820\nAllowedIPs = 0.0.0.0/0\n';
    expect(connectionOf(conf, 'pub\n')).toEqual({
      'Interface.Address': '192.168.99.2',
      'Interface.PrivateKey': 'p',
      'Interface.ListenPort': '51820',
      'Interface.DNS': '192.168.99.1',
      'Interface.PublicKey': 'pub',
      'Peer.PublicKey': 's',
      'Peer.PresharedKey': 'k',
      'Peer.Endpoint': ':31820',
      'Peer.AllowedIPs': '0.0.0.0/0',
    });
    expect(connectionOf(conf.replace('PresharedKey = k\n', ''), 'pub')).toBeUndefined();
  });

  it('parses wg output per peer, IPv6 endpoints included', () => {
    const output = [
      'interface: wg0',
      '  public key: SERVER=',
      '  listening port: 51820',
      '',
      'peer: A=',
      '  preshared key: (hidden)',
      '  endpoint: [2001:db8::1]:40000',
      '  allowed ips: 192.168.99.2/32, 172.18.0.0/16',
      '  latest handshake: 1 minute, 2 seconds ago',
      '  transfer: 1.00 KiB received, 2.00 KiB sent',
      '',
      'peer: B=',
      '  allowed ips: (none)',
    ].join('\n');
    const peers = parseWgShow(output);
    expect(peers.get('A=')).toEqual({
      public_key: 'A=',
      endpoint: { host: '2001:db8::1', port: 40000 },
      allowed_ips: ['192.168.99.2/32', '172.18.0.0/16'],
      latest_handshake: '1 minute, 2 seconds ago',
      transfer: '1.00 KiB received, 2.00 KiB sent',
    });
    expect(peers.get('B=')).toEqual({ public_key: 'B=', allowed_ips: [] });
  });
});

describe('client subnets', () => {
  it("accepts the webhook's pattern with valid octets and prefix only", () => {
    expect(parseSubnet('172.18.3.4/16')).toEqual({ network: '172.18.0.0', prefix: 16 });
    expect(parseSubnet('10.0.0.0/33')).toBeUndefined();
    expect(parseSubnet('256.0.0.0/8')).toBeUndefined();
    expect(parseSubnet('10.0.0.0')).toBeUndefined();
  });

  it('clashes on equal network addresses', () => {
    expect(sameNetwork('172.18.0.0/16', '172.18.9.9/16')).toBe(true);
    expect(sameNetwork('172.18.0.0/16', '172.19.0.0/16')).toBe(false);
  });
});

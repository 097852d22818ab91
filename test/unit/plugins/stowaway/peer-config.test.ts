import { describe, expect, it } from 'vitest';
import { parsePeerConfig } from '../../../../src/plugins/stowaway/peer-config.js';
import { isDomainError } from '../../../../src/domain/errors.js';

const PEER_FILE = `[Interface]
Address = 192.168.99.2
PrivateKey = cHJpdmF0ZS1rZXktb2YtdGhlLXBlZXItMDEyMzQ1Njc4OTA=
ListenPort = 51820
DNS = 192.168.99.1

[Peer]
PublicKey = cHVibGljLWtleS1vZi1zdG93YXdheS0wMTIzNDU2Nzg5MA==
Endpoint = 203.0.113.7:31820
AllowedIPs = 0.0.0.0/0
`;

describe('parsePeerConfig', () => {
  it('turns every line into a <Section>.<Key> entry, keeping base64 padding', () => {
    expect(parsePeerConfig(PEER_FILE)).toEqual({
      'Interface.Address': '192.168.99.2',
      'Interface.PrivateKey': 'cHJpdmF0ZS1rZXktb2YtdGhlLXBlZXItMDEyMzQ1Njc4OTA=',
      'Interface.ListenPort': '51820',
      'Interface.DNS': '192.168.99.1',
      'Peer.PublicKey': 'cHVibGljLWtleS1vZi1zdG93YXdheS0wMTIzNDU2Nzg5MA==',
      'Peer.Endpoint': '203.0.113.7:31820',
      'Peer.AllowedIPs': '0.0.0.0/0',
    });
  });

  it('rejects a malformed file without echoing its secret content', () => {
    let thrown: unknown;
    try {
      parsePeerConfig('[Interface]\nPrivateKey secret-without-equals\n');
    } catch (error) {
      thrown = error;
    }
    expect(isDomainError(thrown, 'Invalid')).toBe(true);
    expect((thrown as Error).message).toBe("Stowaway's peer configuration is malformed at line 2");
  });

  it('rejects a file that lacks what a client needs', () => {
    expect(() => parsePeerConfig('[Interface]\nAddress = 1.2.3.4\n')).toThrow(/lacks Interface.PrivateKey/);
  });
});

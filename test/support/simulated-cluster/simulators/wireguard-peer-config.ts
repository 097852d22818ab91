/**
 * The client peer's WireGuard file that Stowaway generates at
 * `/config/peer1/peer1.conf`, in exactly the layout Stowaway writes it
 * (see docs: gefyra-components, "Connection details").
 */
export interface WireGuardPeerConfig {
  readonly address: string;
  readonly privateKey: string;
  readonly listenPort: number;
  readonly dns: string;
  readonly peerPublicKey: string;
  readonly endpoint: string;
  readonly allowedIPs: string;
}

/** Recognizable fake keys: 44 characters of base64, like real WireGuard keys. */
export const DEFAULT_PEER_CONFIG: WireGuardPeerConfig = {
  address: '192.168.99.2',
  privateKey: 'aW4tbWVtb3J5LXBlZXItcHJpdmF0ZS1rZXktMDAwMDA=',
  listenPort: 51820,
  dns: '192.168.99.1',
  peerPublicKey: 'aW4tbWVtb3J5LXNlcnZlci1wdWJsaWMta2V5LTAwMDA=',
  endpoint: '203.0.113.7:31820',
  allowedIPs: '0.0.0.0/0',
};

export function renderPeerConfig(config: WireGuardPeerConfig): string {
  return [
    '[Interface]',
    `Address = ${config.address}`,
    `PrivateKey = ${config.privateKey}`,
    `ListenPort = ${config.listenPort}`,
    `DNS = ${config.dns}`,
    '[Peer]',
    `PublicKey = ${config.peerPublicKey}`,
    `Endpoint = ${config.endpoint}`,
    `AllowedIPs = ${config.allowedIPs}`,
    '',
  ].join('\n');
}

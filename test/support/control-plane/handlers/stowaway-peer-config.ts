/** The values of Stowaway's `peer1.conf`, one per line of the file. */
export interface PeerConfig {
  readonly interfaceAddress: string;
  readonly interfacePrivateKey: string;
  readonly interfaceListenPort: number;
  readonly interfaceDns: string;
  readonly peerPublicKey: string;
  readonly peerEndpoint: string;
  readonly peerAllowedIps: string;
}

/** The WireGuard INI exactly as Stowaway (linuxserver/wireguard) writes it for peer 1. */
export function renderPeerConfig(config: PeerConfig): string {
  return [
    '[Interface]',
    `Address = ${config.interfaceAddress}`,
    `PrivateKey = ${config.interfacePrivateKey}`,
    `ListenPort = ${config.interfaceListenPort}`,
    `DNS = ${config.interfaceDns}`,
    '[Peer]',
    `PublicKey = ${config.peerPublicKey}`,
    `Endpoint = ${config.peerEndpoint}`,
    `AllowedIPs = ${config.peerAllowedIps}`,
    '',
  ].join('\n');
}

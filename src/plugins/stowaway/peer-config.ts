import { DomainError } from '../../domain/errors.js';

/**
 * Turns Stowaway's WireGuard peer file into the flat keys of the
 * `gefyra-cargo-connection` Secret: one key per line, `<Section>.<Key>`
 * (`Interface.PrivateKey`, `Peer.Endpoint`, ...). Keys end in `=` in base64,
 * so a line splits at its first `=` only. Values are secret: errors name
 * lines by number, never by content.
 */
export function parsePeerConfig(text: string): Record<string, string> {
  const details: Record<string, string> = {};
  let section: string | undefined;
  for (const [index, rawLine] of text.split(/\r?\n/).entries()) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([A-Za-z]+)\]$/.exec(line);
    if (header) {
      section = header[1];
      continue;
    }
    const separator = line.indexOf('=');
    if (separator <= 0 || section === undefined) {
      throw new DomainError('Invalid', `Stowaway's peer configuration is malformed at line ${index + 1}`);
    }
    details[`${section}.${line.slice(0, separator).trim()}`] = line.slice(separator + 1).trim();
  }
  for (const required of ['Interface.Address', 'Interface.PrivateKey', 'Peer.PublicKey', 'Peer.Endpoint']) {
    if (!(required in details)) {
      throw new DomainError('Invalid', `Stowaway's peer configuration lacks ${required}`);
    }
  }
  return details;
}

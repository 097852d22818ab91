import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';

/** PKCS#8 DER header of an X25519 private key; the 32 raw key bytes follow it. */
const X25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b656e04220420', 'hex');

export interface WireGuardKeyPair {
  /** Base64, as `wg genkey` prints it. */
  readonly privateKey: string;
  /** Base64, as `wg pubkey` prints it. */
  readonly publicKey: string;
}

/** A fresh key pair, for a test that needs keys no other test shares. */
export function generateWireGuardKeyPair(): WireGuardKeyPair {
  const { privateKey } = generateKeyPairSync('x25519');
  const raw = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(X25519_PKCS8_PREFIX.length);
  const privateBase64 = Buffer.from(raw).toString('base64');
  return { privateKey: privateBase64, publicKey: wireGuardPublicKey(privateBase64) };
}

/**
 * What `wg pubkey` derives from a private key. Stowaway's `wg show` lists the
 * client under the public key of the PrivateKey it wrote into the peer file,
 * so the simulator derives it the same way instead of inventing one.
 */
export function wireGuardPublicKey(privateKeyBase64: string): string {
  const raw = Buffer.from(privateKeyBase64, 'base64');
  if (raw.length !== 32) throw new Error('a WireGuard private key is 32 bytes, base64-encoded');
  const key = createPrivateKey({ key: Buffer.concat([X25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const der = createPublicKey(key).export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32)).toString('base64');
}

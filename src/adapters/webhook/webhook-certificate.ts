import 'reflect-metadata';
import { isIP } from 'node:net';
import { createPrivateKey as createKey, X509Certificate as NodeX509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/** What the webhook serves with and what the API server must trust: PEM text. */
export interface WebhookTls {
  /** The operator's own CA: the `caBundle` of the ValidatingWebhookConfiguration. */
  readonly caCert: string;
  /** The serving certificate, issued by that CA to the webhook's Service name. */
  readonly cert: string;
  /** The serving certificate's private key (PKCS#8). Never logged. */
  readonly key: string;
}

/** Certificates start a little before they are made: a replica whose clock lags must not find them not valid yet. */
const MAX_BACKDATE_MS = 60_000;
const KEY_ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const SIGNING_ALGORITHM = { name: 'ECDSA', hash: 'SHA-256' } as const;

x509.cryptoProvider.set(globalThis.crypto);

/**
 * A fresh CA and a serving certificate for `host` (CN = SAN = host, as the
 * client's own certificate has it), both valid for `lifetimeMs`. The CA
 * signs this one certificate and its key is thrown away: renewing means a
 * new pair, whose CA joins the caBundle before the certificate is served
 * (webhook-tls-rotation.ts), and no CA key is ever stored. Node can verify
 * certificates but not build them, hence @peculiar/x509 on Node's
 * WebCrypto; P-256 keys make this take milliseconds.
 */
export async function issueWebhookTls(host: string, now: Date, lifetimeMs: number): Promise<WebhookTls> {
  const notBefore = new Date(now.getTime() - Math.min(MAX_BACKDATE_MS, lifetimeMs / 10));
  const notAfter = new Date(now.getTime() + lifetimeMs);
  const caKeys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: 'CN=gefyra-operator webhook CA',
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const servingKeys = (await webcrypto.subtle.generateKey(KEY_ALGORITHM, true, [
    'sign',
    'verify',
  ])) as webcrypto.CryptoKeyPair;
  const serving = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${host}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING_ALGORITHM,
    publicKey: servingKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      // An address (a webhook registered by URL on loopback, as the tests do) is an IP SAN: TLS clients never match one against a DNS name.
      new x509.SubjectAlternativeNameExtension([{ type: isIP(host) === 0 ? 'dns' : 'ip', value: host }]),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const key = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', servingKeys.privateKey)).toString('base64');
  return {
    caCert: ca.toString('pem'),
    cert: serving.toString('pem'),
    key: `-----BEGIN PRIVATE KEY-----\n${key.replace(/(.{64})/g, '$1\n').replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`,
  };
}

/**
 * Why stored TLS material cannot be served for `host`, or undefined when it
 * can: it must parse, be issued by the stored CA to exactly that host,
 * belong to the stored key, and be valid now (when to renew a usable one is
 * webhook-tls-rotation.ts's business).
 */
export function unusableBecause(tls: Partial<WebhookTls>, host: string, now: Date): string | undefined {
  if (!tls.caCert || !tls.cert || !tls.key) return 'incomplete';
  let ca: NodeX509Certificate;
  let serving: NodeX509Certificate;
  try {
    ca = new NodeX509Certificate(tls.caCert);
    serving = new NodeX509Certificate(tls.cert);
  } catch {
    return 'not a certificate';
  }
  if (!ca.ca || !serving.verify(ca.publicKey)) return 'not issued by the stored CA';
  if (serving.checkHost(host, { subject: 'never' }) !== host) return `not made out to ${host}`;
  try {
    if (!serving.checkPrivateKey(createKey(tls.key))) return 'the key does not match';
  } catch {
    return 'the key does not parse';
  }
  if (Math.min(new Date(serving.validTo).getTime(), new Date(ca.validTo).getTime()) <= now.getTime()) return 'expired';
  if (new Date(serving.validFrom).getTime() > now.getTime()) return 'not valid yet';
  return undefined;
}

/** When the serving certificate starts and ends being valid. */
export function validityOf(tls: Pick<WebhookTls, 'cert'>): { readonly from: Date; readonly to: Date } {
  const serving = new NodeX509Certificate(tls.cert);
  return { from: new Date(serving.validFrom), to: new Date(serving.validTo) };
}

function serial(): string {
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] ?? 0) & 0x7f; // a positive serial
  return Buffer.from(bytes).toString('hex');
}

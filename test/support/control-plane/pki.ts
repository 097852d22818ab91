import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServingCertificate {
  readonly certPath: string;
  readonly keyPath: string;
  /** PEM text of the certificate; it is its own CA, so clients trust exactly this. */
  readonly certPem: string;
}

/**
 * Writes a self-signed serving certificate for 127.0.0.1 / localhost (and
 * `extraIpAddresses`, e.g. the address pods reach the API server at) into `dir`.
 * node:crypto cannot issue X.509 certificates, so this uses the openssl command
 * (the provisioning script installs it). An EC key keeps generation instant.
 */
export async function createServingCertificate(
  dir: string,
  name: string,
  commonName: string,
  extraIpAddresses: readonly string[] = [],
): Promise<ServingCertificate> {
  const certPath = join(dir, `${name}.crt`);
  const keyPath = join(dir, `${name}.key`);
  await run('openssl', [
    'req',
    '-x509',
    '-nodes',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-keyout',
    keyPath,
    '-out',
    certPath,
    '-days',
    '30',
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    `subjectAltName=${['IP:127.0.0.1', 'DNS:localhost', ...extraIpAddresses.map((ip) => `IP:${ip}`)].join(',')}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyCertSign',
    '-addext',
    'extendedKeyUsage=serverAuth,clientAuth',
  ]);
  return { certPath, keyPath, certPem: await readFile(certPath, 'utf8') };
}

export interface ServiceAccountKeyPair {
  readonly privateKeyPath: string;
  readonly publicKeyPath: string;
}

/** The key pair the API server verifies and the controller manager signs ServiceAccount tokens with. */
export async function createServiceAccountKeyPair(dir: string): Promise<ServiceAccountKeyPair> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  const privateKeyPath = join(dir, 'service-account.key');
  const publicKeyPath = join(dir, 'service-account.pub');
  await writeFile(privateKeyPath, privateKey, { mode: 0o600 });
  await writeFile(publicKeyPath, publicKey);
  return { privateKeyPath, publicKeyPath };
}

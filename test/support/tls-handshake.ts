import { connect } from 'node:tls';
import type { X509Certificate } from 'node:crypto';

/**
 * A new TLS connection to the webhook on loopback, as the API server makes
 * one: trusting only `ca` (the caBundle as the configuration holds it) for
 * the Service name. With `verify: 'by-caller'` the chain is handed back
 * unverified, for a test whose clock is not the wall clock to check it
 * itself. Always a fresh connection: no agent, no session reuse.
 */
export async function handshake(
  port: number,
  tls: { readonly ca: string; readonly servername: string; readonly verify?: 'node' | 'by-caller' },
): Promise<{ readonly served: X509Certificate; readonly fingerprint: string }> {
  return await new Promise((resolve, reject) => {
    const socket = connect(
      {
        host: '127.0.0.1',
        port,
        ca: tls.ca,
        servername: tls.servername,
        rejectUnauthorized: tls.verify !== 'by-caller',
      },
      () => {
        const served = socket.getPeerX509Certificate();
        socket.end();
        if (served === undefined) reject(new Error('no certificate served'));
        else resolve({ served, fingerprint: served.fingerprint256 });
      },
    );
    socket.on('error', reject);
  });
}

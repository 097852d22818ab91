import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeHttp } from '../../../../../src/adapters/kubernetes/client/kube-http.js';
import { issueWebhookTls } from '../../../../../src/adapters/webhook/webhook-certificate.js';

/**
 * Issue 18, item 2: an operator seen stuck with gigabytes resident outside
 * the JavaScript heap after an HTTP/2 request was aborted in flight. undici 8
 * negotiates HTTP/2 whenever the server offers it, as kube-apiserver does;
 * the operator's pool must ask for HTTP/1.1 only. The server here offers both,
 * as kube-apiserver does, and answers with the version it was asked in.
 */
describe('KubeHttp: the protocol it speaks to an API server that offers HTTP/2', () => {
  let server: Http2SecureServer | undefined;
  afterEach(async () => await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  it('asks for HTTP/1.1, on every request of its shared pool', async () => {
    const tls = await issueWebhookTls('127.0.0.1', new Date(), 86_400_000);
    const versions: string[] = [];
    server = createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, (request, response) => {
      versions.push(request.httpVersion);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ httpVersion: request.httpVersion }));
    });
    await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [
        { name: 'local', server: `https://127.0.0.1:${port}`, caData: Buffer.from(tls.caCert).toString('base64') },
      ],
      users: [{ name: 'someone', token: 'not-a-secret' }],
      contexts: [{ name: 'local', cluster: 'local', user: 'someone' }],
      currentContext: 'local',
    });
    const http = new KubeHttp(kubeConfig);
    const get = async () =>
      await http.send({
        method: 'GET',
        path: '/version',
        action: { verb: 'get', resource: 'version' },
        signal: AbortSignal.timeout(10_000),
      });

    const answers = await Promise.all([get(), get(), get()]);

    expect(answers).toEqual([{ httpVersion: '1.1' }, { httpVersion: '1.1' }, { httpVersion: '1.1' }]);
    expect(versions).toEqual(['1.1', '1.1', '1.1']);
  });
});

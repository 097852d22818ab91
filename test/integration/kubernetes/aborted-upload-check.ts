// Run as a child process by aborted-upload.test.ts (issue 18, item 2): PUTs
// a route table whose ConfigMap was deleted and aborts the PUT the moment
// undici has handed its body to the connection, as a SIGTERM did while the
// old leader rewrote the table. Then it asks the API server once more and
// exits. Each step prints one JSON line; a process whose event loop is stuck
// prints nothing more, and the test sees that and its memory.
import { channel } from 'node:diagnostics_channel';
import { IsomorphicFetchHttpLibrary, RequestContext } from '@kubernetes/client-node';
import { DomainError } from '../../../src/domain/errors.js';
import { loadKubeConfig } from '../../../src/adapters/kubernetes/client/index.js';
import { KubeHttp } from '../../../src/adapters/kubernetes/client/kube-http.js';

/** `kube-http`: the operator's client. `client-node`: client-node's own connection pool, which KubeHttp used before it asked for HTTP/1.1. */
export type UploadClient = 'kube-http' | 'client-node';

export interface UploadStep {
  readonly step: 'aborted' | 'answered' | 'done';
  readonly outcome?: string;
}

const [client = 'kube-http', kubeconfigPath = '', namespace = '', routeTableBytes = '0'] = process.argv.slice(2);
const kubeConfig = loadKubeConfig(kubeconfigPath);
const name = 'gefyra-stowaway-proxyroutes';
const path = `/api/v1/namespaces/${namespace}/configmaps/${name}`;
const routeTable = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace, resourceVersion: '1' },
  data: { routes: 'r'.repeat(Number(routeTableBytes)) },
};
const print = (line: UploadStep) => process.stdout.write(`${JSON.stringify(line)}\n`);

// A microtask after undici says the body was sent, that is before any I/O:
// the body is still queued in the client, whatever the machine's speed.
let inFlight: AbortController | undefined;
channel('undici:request:bodySent').subscribe(() => {
  const controller = inFlight;
  queueMicrotask(() => controller?.abort(new DomainError('Aborted', 'shutting down')));
});

const http = new KubeHttp(kubeConfig);

async function send(method: 'PUT' | 'GET', requestPath: string, body: unknown, signal: AbortSignal): Promise<string> {
  if (client === 'kube-http') {
    try {
      await http.send({
        method,
        path: requestPath,
        body,
        action: { verb: method === 'PUT' ? 'update' : 'list', resource: 'configmaps', namespace },
        signal,
      });
      return 'ok';
    } catch (error) {
      return error instanceof DomainError ? error.kind : String(error);
    }
  }
  const context = new RequestContext(`${kubeConfig.getCurrentCluster()?.server ?? ''}${requestPath}`, method);
  context.setHeaderParam('Content-Type', 'application/json');
  if (body !== undefined) context.setBody(JSON.stringify(body));
  context.setSignal(signal);
  await kubeConfig.applySecurityAuthentication(context);
  try {
    const response = await new IsomorphicFetchHttpLibrary().send(context).toPromise();
    await response.body.text();
    return String(response.httpStatusCode);
  } catch (error) {
    return error instanceof Error ? error.name : String(error);
  }
}

inFlight = new AbortController();
print({ step: 'aborted', outcome: await send('PUT', path, routeTable, inFlight.signal) });
inFlight = undefined;
print({
  step: 'answered',
  outcome: await send('GET', `/api/v1/namespaces/${namespace}/configmaps`, undefined, AbortSignal.timeout(30_000)),
});
print({ step: 'done' });
process.exit(0);

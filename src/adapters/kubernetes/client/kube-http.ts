import type { ConnectionOptions } from 'node:tls';
import {
  IsomorphicFetchHttpLibrary,
  RequestContext,
  type KubeConfig,
  type ResponseBody,
} from '@kubernetes/client-node';
import { Agent } from 'undici';
import { DomainError } from '../../../domain/errors.js';
import { abortError, statusError, transportError, type RequestAction } from './api-errors.js';

export type Query = Readonly<Record<string, string | number | boolean | undefined>>;

export interface KubeRequest {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path below the server URL, e.g. `/api/v1/namespaces/shop/pods/web`. */
  readonly path: string;
  readonly query?: Query;
  /** Sent as JSON (also for apply: JSON is YAML). */
  readonly body?: unknown;
  /** Default `application/json`; patches name their patch type here. */
  readonly contentType?: string;
  /** For error messages. */
  readonly action: RequestAction;
  readonly signal: AbortSignal;
}

/**
 * Raw JSON requests to the API server with the kubeconfig's credentials and
 * TLS settings, through client-node's own fetch layer. The generated and the
 * dynamic (`KubernetesObjectApi`) clients are not used for objects: they
 * deserialize into model classes (timestamps become Dates, fields unknown to
 * the bundled models are dropped) where the ports promise plain manifests,
 * they cannot reach subresources, and they take no AbortSignal.
 */
/** How long one connection pool serves before credentials' TLS material is read again (client certificates rotate). */
const DISPATCHER_LIFETIME_MS = 10 * 60_000;

export class KubeHttp {
  readonly #kubeConfig: KubeConfig;
  readonly #http = new IsomorphicFetchHttpLibrary();
  #dispatcher: { readonly value: Promise<unknown>; readonly since: number } | undefined;

  constructor(kubeConfig: KubeConfig) {
    this.#kubeConfig = kubeConfig;
  }

  /** `https://host:port` of the current context, for messages. */
  get server(): string {
    return this.#kubeConfig.getCurrentCluster()?.server ?? '(no cluster in kubeconfig)';
  }

  /** Sends the request and returns the parsed JSON answer; failures are DomainErrors. */
  async send(request: KubeRequest): Promise<unknown> {
    const text = await this.#exchange(request, async (body) => await body.text());
    if (text === '') return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new DomainError(
        'Internal',
        `the API server at ${this.server} answered ${request.method} ${request.path} with something that is not JSON`,
        {
          retryable: true,
        },
      );
    }
  }

  /** Opens a streaming GET (a watch) and returns the body stream once the answer is 200. */
  async open(request: KubeRequest): Promise<ReadableStream<Uint8Array>> {
    return await this.#exchange(request, (body) => {
      const stream = body.stream();
      if (!stream) throw new DomainError('Internal', `the API server sent no body for ${request.path}`);
      return Promise.resolve(stream);
    });
  }

  async #exchange<T>(request: KubeRequest, read: (body: ResponseBody) => Promise<T>): Promise<T> {
    const { signal, action } = request;
    if (signal.aborted) throw abortError(signal);
    const context = this.#context(request);
    let response;
    try {
      await this.#kubeConfig.applySecurityAuthentication(context);
      await this.#reuseConnections(context);
      response = await this.#http.send(context).toPromise();
    } catch (error) {
      throw transportError(error, action, this.server, signal);
    }
    if (response.httpStatusCode < 200 || response.httpStatusCode > 299) {
      const body = await response.body.text().catch(() => '');
      throw statusError(response.httpStatusCode, body, action, this.server);
    }
    try {
      return await read(response.body);
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw transportError(error, action, this.server, signal);
    }
  }

  /**
   * client-node gives every request a fresh connection pool, hence a TLS
   * handshake per request: most of the operator's CPU under load. Requests
   * share one pool instead (headers, tokens included, are still set per request).
   *
   * The pool speaks HTTP/1.1. undici 8 negotiates HTTP/2 by default, and on
   * Node's HTTP/2 client an abort while the request's body is still queued (a
   * shutdown while a route table is being written) never finishes: the stream
   * is dropped without RST_STREAM and nghttp2 writes empty DATA frames for it
   * forever, the event loop blocked and memory growing outside the JavaScript
   * heap (issue 18; test/integration/kubernetes/aborted-upload.test.ts).
   * kubectl's own watches are long-lived HTTP/1.1 streams too; a connection
   * per watch is what the API server expects.
   */
  async #reuseConnections(context: RequestContext): Promise<void> {
    const now = Date.now();
    if (this.#dispatcher === undefined || now - this.#dispatcher.since > DISPATCHER_LIFETIME_MS) {
      const previous = this.#dispatcher?.value;
      // One pool however many requests start at once: they share the promise.
      const value = this.#http1Agent().then((agent) => agent ?? context.getDispatcher());
      this.#dispatcher = { value, since: now };
      // Credentials that could not be read (an exec plugin failing) are read again by the next request.
      value.catch(() => {
        if (this.#dispatcher?.value === value) this.#dispatcher = undefined;
      });
      // Requests in flight on the old pool finish; it takes no new ones.
      void previous?.then((agent) => (agent instanceof Agent ? agent.close() : undefined)).catch(() => undefined);
    }
    context.setDispatcher((await this.#dispatcher.value) as Parameters<RequestContext['setDispatcher']>[0]);
  }

  /** The kubeconfig's TLS material in an HTTP/1.1 pool; undefined where client-node's own dispatcher is needed (a proxy, plain HTTP). */
  async #http1Agent(): Promise<Agent | undefined> {
    const cluster = this.#kubeConfig.getCurrentCluster();
    if (!cluster || cluster.proxyUrl || !cluster.server.startsWith('https:')) return undefined;
    const options: ConnectionOptions & { headers?: unknown } = {};
    await this.#kubeConfig.applyToHTTPSOptions(options as Parameters<KubeConfig['applyToHTTPSOptions']>[0]);
    const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = options;
    const tls = Object.fromEntries(
      Object.entries({ ca, cert, key, pfx, passphrase, rejectUnauthorized, servername }).filter(
        ([, value]) => value !== undefined,
      ),
    );
    return new Agent({ allowH2: false, connect: { ...tls, keepAlive: true, keepAliveInitialDelay: 30_000 } });
  }

  #context(request: KubeRequest): RequestContext {
    const cluster = this.#kubeConfig.getCurrentCluster();
    if (!cluster)
      throw new DomainError('Invalid', 'the kubeconfig has no current cluster: set its current-context', {
        retryable: false,
      });
    const url = new URL(cluster.server.replace(/\/+$/, '') + request.path);
    for (const [key, value] of Object.entries(request.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const context = new RequestContext(url.toString(), request.method);
    context.setHeaderParam('Accept', 'application/json');
    if (request.body !== undefined) {
      context.setHeaderParam('Content-Type', request.contentType ?? 'application/json');
      context.setBody(JSON.stringify(request.body));
    }
    context.setSignal(request.signal);
    return context;
  }
}

import { IsomorphicFetchHttpLibrary, RequestContext, type KubeConfig, type ResponseBody } from '@kubernetes/client-node';
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
  #dispatcher: { readonly value: unknown; readonly since: number } | undefined;

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
      throw new DomainError('Internal', `the API server at ${this.server} answered ${request.method} ${request.path} with something that is not JSON`, {
        retryable: true,
      });
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
      this.#reuseConnections(context);
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
   */
  #reuseConnections(context: RequestContext): void {
    const now = Date.now();
    if (this.#dispatcher === undefined || now - this.#dispatcher.since > DISPATCHER_LIFETIME_MS) {
      this.#dispatcher = { value: context.getDispatcher(), since: now };
    } else {
      context.setDispatcher(this.#dispatcher.value as Parameters<RequestContext['setDispatcher']>[0]);
    }
  }

  #context(request: KubeRequest): RequestContext {
    const cluster = this.#kubeConfig.getCurrentCluster();
    if (!cluster) throw new DomainError('Invalid', 'the kubeconfig has no current cluster: set its current-context', { retryable: false });
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

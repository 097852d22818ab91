import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toDomainError } from '../../domain/errors.js';
import type { Logger } from '../../ports/logger.port.js';
import type {
  AdmissionInput,
  AdmissionOperation,
  AdmissionVerdict,
  GefyraObject,
} from '../../domain/admission/admission-verdict.js';
import type { WebhookTls } from './webhook-certificate.js';

/** One webhook path: reads what its rule compares against, then applies the (pure) rule. */
export type AdmissionHandler = (
  input: AdmissionInput,
  namespace: string,
  signal: AbortSignal,
) => Promise<AdmissionVerdict>;

/** The code of a denial: the one Gefyra's clients act on. */
export const DENIAL_CODE = 500;
/** Below the configuration's 30 s, so that the API server hears a denial rather than a timeout. */
const DECISION_TIMEOUT_MS = 25_000;
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export interface AdmissionServerOptions {
  readonly tls: WebhookTls;
  readonly handlers: Readonly<Record<string, AdmissionHandler>>;
  /** The client's health POST arrived (it waits for the Event this posts). */
  readonly onHealthCheck: () => Promise<void>;
  readonly logger: Logger;
}

interface AdmissionReviewRequest {
  readonly uid?: string;
  readonly operation?: AdmissionOperation;
  readonly namespace?: string;
  readonly object?: GefyraObject & { readonly check?: unknown };
  readonly oldObject?: GefyraObject;
  readonly kind?: { readonly kind?: string };
  readonly userInfo?: { readonly username?: string; readonly groups?: readonly string[] };
}

/**
 * The validating webhook over HTTPS: one path per rule, AdmissionReview in
 * and out, `GET /healthz` for probes. The client's own health check posts a
 * review without uid whose object is `{"check": true}`: it is answered 200
 * and reported to onHealthCheck. A rule that cannot read what it compares
 * against denies (the configuration's failurePolicy is Fail anyway) and says
 * why.
 */
export class AdmissionServer {
  readonly #options: AdmissionServerOptions;
  readonly #server: Server;

  constructor(options: AdmissionServerOptions) {
    this.#options = options;
    this.#server = createServer(
      { cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' },
      (request, response) => {
        void this.#serve(request, response).catch((error: unknown) => {
          options.logger.error({ error: toDomainError(error).message }, 'admission request failed');
          if (!response.headersSent) response.writeHead(500).end();
        });
      },
    );
  }

  /** Listens on the port (0 = any free one) and resolves to the port. */
  async listen(port: number, host?: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, host, () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    return this.address();
  }

  /**
   * Serves new connections with another certificate; connections already
   * open finish with the one they were made with (the renewal's switch).
   */
  useTls(tls: Pick<WebhookTls, 'cert' | 'key'>): void {
    this.#server.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
  }

  /** The port it listens on (after listen). */
  address(): number {
    return (this.#server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (request.method === 'GET' && path === '/healthz') {
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    const handler = this.#options.handlers[path];
    if (request.method !== 'POST' || handler === undefined) {
      response
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`no admission rule at ${request.method ?? ''} ${path}\n`);
      return;
    }
    let review: { apiVersion?: string; request?: AdmissionReviewRequest };
    try {
      review = JSON.parse(await readBody(request)) as typeof review;
    } catch (error) {
      response
        .writeHead(400, { 'content-type': 'text/plain' })
        .end(`not an AdmissionReview: ${toDomainError(error).message}\n`);
      return;
    }
    const admission = review.request;
    if (admission?.object === undefined || admission.object === null) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end('not an AdmissionReview: no request.object\n');
      return;
    }
    const verdict =
      admission.object.check === true ? await this.#healthCheck() : await this.#decide(path, handler, admission);
    const answer = {
      apiVersion: review.apiVersion ?? 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: admission.uid ?? '',
        allowed: verdict.allowed,
        ...(verdict.allowed ? {} : { status: { code: DENIAL_CODE, message: verdict.message } }),
        ...(verdict.allowed && verdict.patch !== undefined && verdict.patch.length > 0
          ? { patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(verdict.patch)).toString('base64') }
          : {}),
      },
    };
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
  }

  async #healthCheck(): Promise<AdmissionVerdict> {
    try {
      await this.#options.onHealthCheck();
    } catch (error) {
      // The check itself passed: the webhook answers. The signal is tried again at the next check.
      this.#options.logger.warn({ error: toDomainError(error).message }, 'could not post the webhook readiness Event');
    }
    return { allowed: true };
  }

  async #decide(path: string, handler: AdmissionHandler, admission: AdmissionReviewRequest): Promise<AdmissionVerdict> {
    const object = admission.object as GefyraObject;
    const input: AdmissionInput = {
      operation: admission.operation ?? 'CREATE',
      object,
      oldObject: admission.oldObject ?? undefined,
      kind: admission.kind?.kind,
      userInfo: admission.userInfo,
    };
    const namespace = admission.namespace ?? (object.metadata as { namespace?: string } | undefined)?.namespace ?? '';
    const subject = {
      path,
      operation: input.operation,
      namespace,
      name: object.metadata?.name,
      user: admission.userInfo?.username,
    };
    let verdict: AdmissionVerdict;
    try {
      verdict = await handler(input, namespace, AbortSignal.timeout(DECISION_TIMEOUT_MS));
    } catch (error) {
      verdict = {
        allowed: false,
        message: `the webhook could not check this request: ${toDomainError(error).message}`,
      };
    }
    if (verdict.allowed) this.#options.logger.debug(subject, 'admitted');
    else this.#options.logger.info({ ...subject, reason: verdict.message }, 'denied');
    return verdict;
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error(`larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

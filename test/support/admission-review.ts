import { request } from 'node:https';

export interface ReviewAnswer {
  readonly statusCode: number;
  readonly body: string;
  /** The parsed AdmissionReview, when the body was one. */
  readonly review?: {
    apiVersion?: string;
    kind?: string;
    response?: {
      uid?: string;
      allowed?: boolean;
      status?: { code?: number; message?: string };
      patchType?: string;
      patch?: string;
    };
  };
}

/**
 * POSTs to the webhook over HTTPS as the API server would: on loopback, but
 * verifying the certificate against `ca` for the name the API server uses
 * (`servername`), so a certificate for another name or from another CA fails.
 */
export async function postToWebhook(
  port: number,
  path: string,
  body: unknown,
  tls: { ca: string; servername: string },
): Promise<ReviewAnswer> {
  const payload = typeof body === 'string' ? body : JSON.stringify(body);
  return await new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        ca: tls.ca,
        servername: tls.servername,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let review: ReviewAnswer['review'];
          try {
            review = JSON.parse(text) as ReviewAnswer['review'];
          } catch {
            review = undefined;
          }
          resolve({ statusCode: response.statusCode ?? 0, body: text, ...(review === undefined ? {} : { review }) });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}

/** An AdmissionReview v1 as the API server sends it for a Gefyra 2 object. */
export const admissionReview = (
  operation: 'CREATE' | 'UPDATE',
  object: Record<string, unknown>,
  oldObject?: Record<string, unknown>,
  uid = 'review-1',
) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid,
    operation,
    namespace: (object['metadata'] as { namespace?: string } | undefined)?.namespace ?? 'gefyra',
    resource: { group: 'gefyra.dev', version: 'v1', resource: 'gefyraclients' },
    userInfo: { username: 'developer' },
    object,
    ...(oldObject === undefined ? {} : { oldObject }),
  },
});

/** What the client's health check (and its liveness probe, `gefyra/healthcheck.py`) POSTs: no uid, no operation. */
export const HEALTH_CHECK_BODY = {
  request: {
    resource: { group: 'gefyra.dev', version: 'v1', resource: 'gefyraclients' },
    userInfo: {},
    object: { check: true },
  },
};

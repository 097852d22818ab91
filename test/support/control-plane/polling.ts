import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Checked before every attempt: a message here ends the wait at once (a component died). */
  readonly failFast?: () => string | undefined;
}

/**
 * Retries `attempt` until it returns a value. Polling is acceptable here, in a
 * test harness waiting for processes that offer no event to wait on (a
 * `/readyz` endpoint, a Secret that a controller will create).
 */
export async function pollUntil<T>(
  what: string,
  attempt: () => Promise<T | undefined>,
  options: PollOptions,
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let lastError: unknown;
  for (;;) {
    const fatal = options.failFast?.();
    if (fatal !== undefined) throw new Error(`${what}: ${fatal}`);
    try {
      const value = await attempt();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${what}${reason}`);
    }
    await delay(options.intervalMs ?? 200);
  }
}

export interface HttpGetOptions {
  readonly ca?: string;
  readonly token?: string;
  /** For components whose self-signed certificates nobody distributes (controller manager, scheduler). */
  readonly insecure?: boolean;
}

/** A GET returning status and body; for health endpoints only. */
export async function httpGet(url: string, options: HttpGetOptions = {}): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return await new Promise((resolve, reject) => {
    const req = send(
      target,
      {
        method: 'GET',
        timeout: 2_000,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
        ...(options.insecure === true ? { rejectUnauthorized: false } : {}),
        headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${url} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

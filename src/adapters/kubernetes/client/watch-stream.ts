import { DomainError } from '../../../domain/errors.js';
import type { Manifest } from '../../../ports/cluster-api.port.js';
import { statusError, transportError, type RequestAction } from './api-errors.js';
import type { KubeHttp, Query } from './kube-http.js';
import { toManifest, type KindRef } from './served-objects.js';

/** A raw watch event; BOOKMARK only moves the resourceVersion forward. */
export interface RawWatchEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';
  readonly object: Manifest;
}

/** The server no longer has the requested resourceVersion (410 Gone): list again. */
export class WatchExpiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WatchExpiredError';
  }
}

export interface WatchStreamRequest {
  readonly path: string;
  readonly kind: KindRef;
  readonly resourceVersion: string;
  readonly labelSelector?: string;
  /** Server-side duration of this watch; it then ends cleanly and is resumed. */
  readonly timeoutSeconds: number;
  readonly action: RequestAction;
  readonly signal: AbortSignal;
  /**
   * Silence after which the connection is presumed dead (a network partition
   * sends no FIN). Must exceed timeoutSeconds; the server ends the watch first.
   */
  readonly idleTimeoutMs: number;
}

/**
 * One watch connection: streams events from `resourceVersion` until the server
 * ends it (resolves), the connection fails (rejects with a DomainError), the
 * version is gone (rejects with WatchExpiredError) or the signal aborts.
 */
export async function streamWatch(
  http: KubeHttp,
  request: WatchStreamRequest,
  onEvent: (event: RawWatchEvent) => void,
): Promise<void> {
  const idle = new AbortController();
  const signal = AbortSignal.any([request.signal, idle.signal]);
  // One watchdog timer, pushed back (refresh) by every chunk rather than replaced.
  const watchdog = setTimeout(
    () => idle.abort(new DomainError('Timeout', `watch on ${request.path} was silent for ${request.idleTimeoutMs} ms`)),
    request.idleTimeoutMs,
  );
  watchdog.unref();
  const query: Query = {
    watch: true,
    resourceVersion: request.resourceVersion,
    allowWatchBookmarks: true,
    timeoutSeconds: request.timeoutSeconds,
    labelSelector: request.labelSelector,
  };
  try {
    const body = await http.open({ method: 'GET', path: request.path, query, action: request.action, signal });
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let pending = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        // A rest without newline is an event cut off with the connection: resuming
        // from the last complete event's version gets it again.
        if (done) break;
        watchdog.refresh();
        pending += value;
        let newline = pending.indexOf('\n');
        while (newline !== -1) {
          const line = pending.slice(0, newline).trim();
          pending = pending.slice(newline + 1);
          if (line !== '') handleLine(line, request, http.server, onEvent);
          newline = pending.indexOf('\n');
        }
      }
    } finally {
      // Cancelling the reader cancels the response body through the pipe, which closes the connection.
      await reader.cancel().catch(() => undefined);
      reader.releaseLock();
    }
  } catch (error) {
    // An idle timeout is the watchdog's abort, not the caller's: report it as such.
    if (idle.signal.aborted && !request.signal.aborted) throw idle.signal.reason as DomainError;
    if (error instanceof WatchExpiredError) throw error;
    // Some servers answer a too-old version with 410 at once instead of an ERROR event.
    if (error instanceof DomainError && error.details['statusCode'] === 410) throw new WatchExpiredError(error.message);
    if (error instanceof DomainError) throw error;
    throw transportError(error, request.action, http.server, request.signal);
  } finally {
    clearTimeout(watchdog);
  }
}

function handleLine(
  line: string,
  request: WatchStreamRequest,
  server: string,
  onEvent: (event: RawWatchEvent) => void,
): void {
  let parsed: { type?: unknown; object?: unknown };
  try {
    parsed = JSON.parse(line) as { type?: unknown; object?: unknown };
  } catch {
    throw new DomainError('Internal', `the watch on ${request.path} sent a line that is not JSON`, { retryable: true });
  }
  const { type, object } = parsed;
  if (type === 'ERROR') {
    const status = (object ?? {}) as { code?: unknown };
    const code = typeof status.code === 'number' ? status.code : 500;
    const text = JSON.stringify(object ?? {});
    if (code === 410)
      throw new WatchExpiredError(
        `watch on ${request.path} from resourceVersion ${request.resourceVersion} expired: ${text}`,
      );
    throw statusError(code, text, request.action, server);
  }
  if (type === 'ADDED' || type === 'MODIFIED' || type === 'DELETED' || type === 'BOOKMARK') {
    onEvent({ type, object: toManifest(object, request.kind) });
  }
}

import type { Manifest } from '../../../ports/cluster-api.port.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { WatchEvent, WatchSubscription } from '../../runtime/watch-source.js';
import { WatchExpiredError, type RawWatchEvent } from './watch-stream.js';

export interface ListResult {
  readonly items: readonly Manifest[];
  readonly resourceVersion: string;
}

/** Lists every object of the watched set, with the collection's resourceVersion. */
export type Lister = (signal: AbortSignal) => Promise<ListResult>;

/**
 * Watches from a resourceVersion until the connection ends: resolves on a
 * clean end, rejects on failure, rejects with WatchExpiredError on 410.
 */
export type Watcher = (
  resourceVersion: string,
  onEvent: (event: RawWatchEvent) => void,
  signal: AbortSignal,
) => Promise<void>;

export interface BackoffOptions {
  /** First delay after a failure. Default 500 ms. */
  readonly initialMs?: number;
  /** Cap of the doubling delay. Default 30 s. */
  readonly maxMs?: number;
}

export interface ListWatchLoopOptions {
  readonly backoff?: BackoffOptions;
  /** A clean end sooner than this without events counts as a failure, so a server that closes at once causes no tight loop. Default 1 s. */
  readonly minWatchMs?: number;
  readonly logger?: Logger;
  /** In [0, 1); jitter source, injectable for tests. */
  readonly random?: () => number;
}

/**
 * The list-then-watch cycle behind a WatchSource, independent of HTTP: lists
 * (every object arrives as ADDED; `synced` resolves), watches from the list's
 * resourceVersion, resumes from the last version seen after a dropped
 * connection, and on 410 lists again and emits the difference to what it had
 * seen (DELETED for what vanished, ADDED for what is new, MODIFIED for what
 * changed). Failures go to `onError` and are retried with capped, jittered
 * exponential backoff; `stop()` aborts the connection and any backoff wait.
 */
export class ListWatchLoop implements WatchSubscription {
  readonly synced: Promise<void>;
  readonly #lister: Lister;
  readonly #watcher: Watcher;
  readonly #onEvent: (event: WatchEvent) => void;
  readonly #onError: (error: unknown) => void;
  readonly #options: ListWatchLoopOptions;
  readonly #abort = new AbortController();
  readonly #known = new Map<string, Manifest>();
  readonly #done: Promise<void>;
  #markSynced: () => void = () => undefined;

  constructor(
    lister: Lister,
    watcher: Watcher,
    onEvent: (event: WatchEvent) => void,
    onError: (error: unknown) => void,
    options: ListWatchLoopOptions = {},
  ) {
    this.#lister = lister;
    this.#watcher = watcher;
    this.#onEvent = onEvent;
    this.#onError = onError;
    this.#options = options;
    this.synced = new Promise((resolve) => (this.#markSynced = resolve));
    this.#done = this.#run();
  }

  /** Ends the watch; resolves once no connection or timer is left. `synced` resolves too if it had not. */
  async stop(): Promise<void> {
    this.#abort.abort();
    await this.#done;
    this.#markSynced();
  }

  async #run(): Promise<void> {
    const signal = this.#abort.signal;
    let resourceVersion: string | undefined;
    let failures = 0;
    let expiredInARow = 0;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const listed = await this.#lister(signal);
          if (signal.aborted) return;
          this.#replaceAll(listed.items);
          resourceVersion = listed.resourceVersion;
          this.#markSynced();
        }
        const started = Date.now();
        let delivered = false;
        await this.#watcher(
          resourceVersion,
          (event) => {
            if (signal.aborted) return;
            resourceVersion = event.object.metadata.resourceVersion ?? resourceVersion;
            if (event.type !== 'BOOKMARK') {
              delivered = true;
              this.#apply({ type: event.type, object: event.object });
            }
          },
          signal,
        );
        // A clean end: the server's timeout. Resume at once, unless it ended suspiciously fast.
        expiredInARow = 0;
        if (delivered || Date.now() - started >= (this.#options.minWatchMs ?? 1_000)) failures = 0;
        else await this.#sleep(++failures);
        this.#options.logger?.debug({ resourceVersion }, 'watch resumed after the server ended it');
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof WatchExpiredError) {
          this.#options.logger?.info({ resourceVersion }, 'watch expired (410), listing again');
          // Relist at once the first time; a server that keeps expiring fresh versions gets backoff.
          if (++expiredInARow > 1) await this.#sleep(expiredInARow - 1);
          resourceVersion = undefined;
          continue;
        }
        this.#report(error);
        await this.#sleep(++failures);
      }
    }
  }

  /** After a (re)list: emit what differs from what was known, then know exactly the list. */
  #replaceAll(items: readonly Manifest[]): void {
    const listed = new Map(items.map((item) => [keyOf(item), item]));
    for (const [key, known] of this.#known) {
      const now = listed.get(key);
      if (now === undefined || now.metadata.uid !== known.metadata.uid) {
        this.#known.delete(key);
        this.#emit({ type: 'DELETED', object: known });
      }
    }
    for (const [key, item] of listed) {
      const known = this.#known.get(key);
      this.#known.set(key, item);
      if (known === undefined) this.#emit({ type: 'ADDED', object: item });
      else if (known.metadata.resourceVersion !== item.metadata.resourceVersion)
        this.#emit({ type: 'MODIFIED', object: item });
    }
  }

  #apply(event: WatchEvent): void {
    if (event.type === 'DELETED') this.#known.delete(keyOf(event.object));
    else this.#known.set(keyOf(event.object), event.object);
    this.#emit(event);
  }

  #emit(event: WatchEvent): void {
    try {
      this.#onEvent(event);
    } catch (error) {
      // A failing consumer must not end the watch for everyone else.
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // An error handler that throws has nowhere left to report to.
    }
  }

  async #sleep(failures: number): Promise<void> {
    const ms = backoffDelay(failures, this.#options.backoff, this.#options.random ?? Math.random);
    const signal = this.#abort.signal;
    if (signal.aborted) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** The wait before retry number `failures` (from 1): doubling from initialMs up to maxMs, jittered down by up to half. */
export function backoffDelay(
  failures: number,
  backoff: BackoffOptions = {},
  random: () => number = Math.random,
): number {
  const initial = backoff.initialMs ?? 500;
  const max = backoff.maxMs ?? 30_000;
  const base = Math.min(max, initial * 2 ** Math.min(Math.max(failures, 1) - 1, 30));
  return base * (0.5 + 0.5 * random());
}

const keyOf = (object: Manifest): string => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

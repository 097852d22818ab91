import { describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  ListWatchLoop,
  WatchExpiredError,
  type ListResult,
  type RawWatchEvent,
} from '../../../src/adapters/kubernetes/client/index.js';
import { DomainError } from '../../../src/domain/errors.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { EventLog } from './fixtures.js';

// The list/watch cycle with injected list and watch functions: the paths a
// real server rarely takes on demand (410 after compaction, a server that
// closes at once, a failing list). Needs no cluster; it lives here because it
// tests this adapter's loop (test/unit is another engineer's tree).

const object = (name: string, resourceVersion: string, uid = `uid-${name}`): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace: 'ns', uid, resourceVersion },
});

type Step = (onEvent: (event: RawWatchEvent) => void, signal: AbortSignal) => Promise<void>;

/** A scripted server: lists answered in order, one watch step per connection; records what was asked. */
class ScriptedServer {
  readonly lists: (ListResult | Error)[] = [];
  readonly watches: Step[] = [];
  readonly watchedFrom: string[] = [];
  listCalls = 0;

  readonly lister = (): Promise<ListResult> => {
    this.listCalls += 1;
    const next = this.lists.shift();
    if (next === undefined) return Promise.reject(new Error('no more lists scripted'));
    return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
  };

  readonly watcher = async (
    resourceVersion: string,
    onEvent: (event: RawWatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> => {
    this.watchedFrom.push(resourceVersion);
    const step = this.watches.shift() ?? hang;
    await step(onEvent, signal);
  };
}

/** A connection that stays open until aborted. */
const hang: Step = async (_onEvent, signal) =>
  await new Promise<void>((_resolve, reject) =>
    signal.addEventListener('abort', () => reject(new Error('aborted')), { once: true }),
  );

const emit =
  (...events: RawWatchEvent[]): Step =>
  async (onEvent) => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    for (const event of events) onEvent(event);
    await new Promise((resolve) => setTimeout(resolve, 5));
  };
const fail =
  (error: Error): Step =>
  () =>
    Promise.reject(error);
const options = { backoff: { initialMs: 1, maxMs: 4 }, minWatchMs: 0 };

describe('ListWatchLoop', () => {
  it('delivers the list as ADDED, resolves synced, then passes watch events on from the list version', async () => {
    const server = new ScriptedServer();
    server.lists.push({ items: [object('a', '5'), object('b', '6')], resourceVersion: '10' });
    server.watches.push(
      emit({ type: 'MODIFIED', object: object('a', '11') }, { type: 'DELETED', object: object('b', '12') }),
    );
    const log = new EventLog();

    const loop = new ListWatchLoop(server.lister, server.watcher, log.onEvent, log.onError, options);
    let atSync: string[] = [];
    await loop.synced.then(() => (atSync = log.summary()));
    expect(atSync).toEqual(['ADDED a', 'ADDED b']);
    await log.until('two watch events', () => log.events.length === 4);
    await loop.stop();

    expect(log.summary()).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a', 'DELETED b']);
    expect(server.watchedFrom[0]).toBe('10');
    expect(log.errors).toEqual([]);
  });

  it('resumes from the last version seen (bookmarks included) after a clean end or a failure, without listing again', async () => {
    const server = new ScriptedServer();
    server.lists.push({ items: [], resourceVersion: '1' });
    server.watches.push(
      emit({ type: 'ADDED', object: object('a', '2') }),
      emit({
        type: 'BOOKMARK',
        object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: '', resourceVersion: '7' } },
      }),
      fail(new DomainError('Unavailable', 'connection reset')),
      emit({ type: 'MODIFIED', object: object('a', '8') }),
    );
    const log = new EventLog();

    const loop = new ListWatchLoop(server.lister, server.watcher, log.onEvent, log.onError, options);
    await log.until('MODIFIED a', () => log.events.length === 2);
    await loop.stop();

    // Connections: from the list, after ADDED a, after the bookmark, after the failure (still 7).
    expect(server.watchedFrom.slice(0, 4)).toEqual(['1', '2', '7', '7']);
    expect(server.listCalls).toBe(1);
    expect(log.summary()).toEqual(['ADDED a', 'MODIFIED a']);
    expect(log.errors).toHaveLength(1);
    expect((log.errors[0] as DomainError).kind).toBe('Unavailable');
  });

  it('lists again on 410 and emits only the difference: DELETED for what vanished, MODIFIED, ADDED', async () => {
    const server = new ScriptedServer();
    server.lists.push(
      {
        items: [
          object('kept', '1'),
          object('changed', '2'),
          object('vanished', '3'),
          object('recreated', '4', 'old-uid'),
        ],
        resourceVersion: '4',
      },
      {
        items: [
          object('kept', '1'),
          object('changed', '20'),
          object('new', '21'),
          object('recreated', '22', 'new-uid'),
        ],
        resourceVersion: '30',
      },
    );
    server.watches.push(fail(new WatchExpiredError('too old resource version: 4 (25)')));
    const log = new EventLog();

    const loop = new ListWatchLoop(server.lister, server.watcher, log.onEvent, log.onError, options);
    await log.until('the relist', () => log.events.length === 9);
    await loop.stop();

    expect(log.summary().slice(4)).toEqual([
      'DELETED vanished',
      'DELETED recreated',
      'MODIFIED changed',
      'ADDED new',
      'ADDED recreated',
    ]);
    expect(
      log.events.find((event) => event.type === 'DELETED' && event.object.metadata.name === 'vanished')?.object.metadata
        .resourceVersion,
    ).toBe('3');
    expect(server.watchedFrom).toEqual(['4', '30']);
    expect(log.errors).toEqual([]);
  });

  it('retries a failing list with backoff, reporting each failure, and is synced only after it succeeds', async () => {
    const server = new ScriptedServer();
    server.lists.push(new DomainError('Forbidden', 'may not list'), new DomainError('Unavailable', 'down'), {
      items: [object('a', '1')],
      resourceVersion: '1',
    });
    const log = new EventLog();
    let synced = false;

    const loop = new ListWatchLoop(server.lister, server.watcher, log.onEvent, log.onError, options);
    void loop.synced.then(() => (synced = true));
    await loop.synced;
    await loop.stop();

    expect(synced).toBe(true);
    expect(server.listCalls).toBe(3);
    expect(log.errors.map((error) => (error as DomainError).kind)).toEqual(['Forbidden', 'Unavailable']);
    expect(log.summary()).toEqual(['ADDED a']);
  });

  it('keeps going when the consumer throws, reporting the error', async () => {
    const server = new ScriptedServer();
    server.lists.push({ items: [object('bad', '1'), object('good', '2')], resourceVersion: '2' });
    const seen: string[] = [];
    const errors: unknown[] = [];
    const loop = new ListWatchLoop(
      server.lister,
      server.watcher,
      (event) => {
        seen.push(event.object.metadata.name);
        if (event.object.metadata.name === 'bad') throw new Error('consumer bug');
      },
      (error) => errors.push(error),
      options,
    );
    await loop.synced;
    await loop.stop();
    expect(seen).toEqual(['bad', 'good']);
    expect(errors).toEqual([new Error('consumer bug')]);
  });

  it('backs off instead of looping when the server ends every watch at once', async () => {
    const server = new ScriptedServer();
    server.lists.push({ items: [], resourceVersion: '1' });
    for (let i = 0; i < 1_000; i++) server.watches.push(() => Promise.resolve());
    const loop = new ListWatchLoop(
      server.lister,
      server.watcher,
      () => undefined,
      () => undefined,
      { backoff: { initialMs: 20, maxMs: 40 }, minWatchMs: 1_000 },
    );
    await loop.synced;
    await new Promise((resolve) => setTimeout(resolve, 200));
    await loop.stop();
    expect(server.watchedFrom.length).toBeLessThan(12);
  });

  it('stops while waiting to retry (clearing the backoff timer) and while connected, and then resolves synced', async () => {
    // Fake timers: stop() must resolve without the 60 s backoff timer ever firing, so no wall clock is read.
    vi.useFakeTimers();
    try {
      const failing = new ScriptedServer();
      failing.lists.push(new Error('down'));
      let reported: () => void = () => undefined;
      const failed = new Promise<void>((resolve) => (reported = resolve));
      const waiting = new ListWatchLoop(
        failing.lister,
        failing.watcher,
        () => undefined,
        () => reported(),
        { backoff: { initialMs: 60_000 } },
      );
      await failed;
      expect(vi.getTimerCount()).toBe(1); // the backoff wait, armed right after the error is reported
      await waiting.stop();
      await waiting.synced;
      expect(vi.getTimerCount()).toBe(0);
      expect(failing.listCalls).toBe(1);
    } finally {
      vi.useRealTimers();
    }

    const connected = new ScriptedServer();
    connected.lists.push({ items: [], resourceVersion: '1' });
    const open = new ListWatchLoop(
      connected.lister,
      connected.watcher,
      () => undefined,
      () => undefined,
      options,
    );
    await open.synced;
    await open.stop();
    expect(connected.watchedFrom).toEqual(['1']);
  });

  it('computes capped, jittered exponential delays', () => {
    const backoff = { initialMs: 100, maxMs: 1_000 };
    expect([1, 2, 3, 4, 5, 50].map((failures) => backoffDelay(failures, backoff, () => 0.999_999))).toEqual([
      expect.closeTo(100, 0),
      expect.closeTo(200, 0),
      expect.closeTo(400, 0),
      expect.closeTo(800, 0),
      expect.closeTo(1_000, 0),
      expect.closeTo(1_000, 0),
    ]);
    expect(backoffDelay(3, backoff, () => 0)).toBe(200);
    expect(backoffDelay(1)).toBeGreaterThanOrEqual(250);
  });
});

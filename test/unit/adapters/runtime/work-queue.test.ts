import { beforeEach, describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../../src/adapters/runtime/work-queue.js';
import { DomainError } from '../../../../src/domain/errors.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { deferred } from '../../../support/waiting.js';

describe('WorkQueue', () => {
  let clock: ManualClock;
  beforeEach(() => {
    clock = new ManualClock();
  });
  const now = () => clock.now().getTime();

  it('processes a key added many times while it waits only once', async () => {
    const seen: string[] = [];
    const gate = deferred();
    const queue = new WorkQueue(
      async (key) => {
        if (key === 'busy') await gate.promise;
        else seen.push(key);
      },
      { clock, concurrency: 1 },
    );
    queue.add('busy');
    queue.add('a');
    queue.add('a');
    queue.add('b');
    queue.add('a');
    gate.resolve();
    await queue.onIdle();
    expect(seen).toEqual(['a', 'b']);
  });

  it('never runs a key twice at once, and runs it again if it changed meanwhile', async () => {
    const gate = deferred();
    let running = 0;
    let maxRunning = 0;
    let runs = 0;
    const queue = new WorkQueue(
      async () => {
        running += 1;
        runs += 1;
        maxRunning = Math.max(maxRunning, running);
        if (runs === 1) await gate.promise;
        running -= 1;
      },
      { clock, concurrency: 4 },
    );
    queue.add('a');
    await clock.advanceAsync(0);
    queue.add('a');
    queue.add('a');
    gate.resolve();
    await queue.onIdle();
    expect(maxRunning).toBe(1);
    expect(runs).toBe(2);
  });

  // Issue 18: a reconcile answered from caches alone that marks itself changed (or asks for no delay) ran again
  // in the same turn of the event loop, for ever: no I/O, no timer, no signal handler, and no log line flushed.
  it.each([
    ['changed while it ran', 'dirty'],
    ['asking to run again without delay', 'requeue'],
  ] as const)(
    'runs a key again in a later turn of the event loop, not the same one, when it was %s',
    async (_, how) => {
      let runs = 0;
      let runsBeforeTurn: number | undefined;
      setImmediate(() => (runsBeforeTurn = runs));
      const queue: WorkQueue<string> = new WorkQueue(
        async (key) => {
          runs += 1;
          // Bounds the test: before the fix this spun for all 1000 runs before the event loop turned once.
          if (runs >= 1000) return;
          if (how === 'dirty') {
            queue.add(key);
            return;
          }
          return { requeueAfterMs: 0 };
        },
        { clock, concurrency: 1 },
      );

      queue.add('spinning');
      await new Promise((resolve) => setImmediate(resolve));

      expect(runsBeforeTurn).toBeLessThanOrEqual(2);
      await queue.shutdown();
    },
  );

  it('bounds how many keys run at once', async () => {
    const gates = new Map<string, ReturnType<typeof deferred<void>>>();
    let running = 0;
    let maxRunning = 0;
    const queue = new WorkQueue(
      async (key) => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        const gate = deferred();
        gates.set(key, gate);
        await gate.promise;
        running -= 1;
      },
      { clock, concurrency: 2 },
    );
    for (const key of ['a', 'b', 'c', 'd']) queue.add(key);
    await clock.advanceAsync(0);
    expect(running).toBe(2);
    expect(queue.depth).toBe(4);
    while (gates.size > 0) {
      for (const [key, gate] of gates) {
        gates.delete(key);
        gate.resolve();
      }
      await clock.advanceAsync(0);
    }
    await queue.onIdle();
    expect(maxRunning).toBe(2);
  });

  it('retries failures with exponential backoff and jitter, then forgets them after a success', async () => {
    const attempts: number[] = [];
    const errors: number[] = [];
    let failuresLeft = 3;
    const queue = new WorkQueue(
      async () => {
        attempts.push(now());
        if (failuresLeft-- > 0) throw new DomainError('Unavailable', 'API server unavailable');
      },
      { clock, concurrency: 1, baseDelayMs: 100, jitter: 0.5, random: () => 1 },
      (_key, _error, attempt) => errors.push(attempt),
    );
    const start = now();
    queue.add('a');
    await clock.advanceAsync(10_000);
    expect(errors).toEqual([1, 2, 3]);
    // 100, 200, 400 ms, each stretched by the jitter (random() = 1 → +50%).
    expect(attempts.map((time) => time - start)).toEqual([0, 150, 450, 1050]);
    expect(queue.backoffMs(1)).toBe(150);
  });

  it('keeps backing off when the key is added while it fails or waits (the failing pass sees its own writes as watch events)', async () => {
    const attempts: number[] = [];
    const queue: WorkQueue = new WorkQueue(
      async (key) => {
        attempts.push(now());
        queue.add(key); // the status write of this very pass comes back as a watch event
        // (A bound, so that a queue that does not back off ends instead of spinning.)
        if (attempts.length < 50) throw new DomainError('ExecFailed', 'setroute.sh failed', { retryable: true });
      },
      { clock, concurrency: 1, baseDelayMs: 100, maxDelayMs: 60_000, jitter: 0 },
    );
    const start = now();
    queue.add('a');
    for (let tick = 0; tick < 300; tick++) {
      queue.add('a'); // and more events while it waits
      await clock.advanceAsync(100);
    }
    // 30 s: retries at 0, 0.1, 0.3, 0.7, 1.5, 3.1, 6.3, 12.7, 25.5 s; without the backoff it would be about 300.
    expect(attempts.map((time) => time - start)).toEqual([0, 100, 300, 700, 1500, 3100, 6300, 12_700, 25_500]);
    await queue.shutdown();
  });

  it('caps the backoff', () => {
    const queue = new WorkQueue(async () => undefined, {
      clock,
      concurrency: 1,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      jitter: 0,
    });
    expect(queue.backoffMs(20)).toBe(1000);
  });

  it('does not retry an error that says retrying cannot help', async () => {
    let runs = 0;
    const queue = new WorkQueue(
      async () => {
        runs += 1;
        throw new DomainError('Invalid', 'bad request', { retryable: false });
      },
      { clock, concurrency: 1 },
    );
    queue.add('a');
    await clock.advanceAsync(120_000);
    expect(runs).toBe(1);
  });

  it('requeues after the delay a processor asks for, keeping the earliest schedule', async () => {
    const runs: number[] = [];
    const start = now();
    const queue = new WorkQueue(
      async () => {
        runs.push(now() - start);
        return runs.length === 1 ? { requeueAfterMs: 5000 } : undefined;
      },
      { clock, concurrency: 1 },
    );
    queue.add('a');
    await clock.advanceAsync(0);
    queue.addAfter('a', 9000);
    queue.addAfter('a', 1000);
    await clock.advanceAsync(20_000);
    expect(runs).toEqual([0, 1000]);
  });

  it('on shutdown drops waiting work and aborts what runs', async () => {
    let aborted = false;
    const queue = new WorkQueue(
      async (_key, signal) =>
        new Promise<void>((resolve) =>
          signal.addEventListener('abort', () => {
            aborted = true;
            resolve();
          }),
        ),
      { clock, concurrency: 1 },
    );
    queue.add('a');
    queue.add('b');
    queue.addAfter('c', 1000);
    await clock.advanceAsync(0);
    await queue.shutdown();
    expect(aborted).toBe(true);
    expect(queue.depth).toBe(0);
    queue.add('d');
    expect(queue.depth).toBe(0);
  });
});

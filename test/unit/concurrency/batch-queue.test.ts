import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { BatchQueue } from '../../../src/concurrency/batch-queue.js';
import { isDomainError } from '../../../src/domain/errors.js';

const signal = new AbortController().signal;

describe('BatchQueue', () => {
  it('runs what arrives during a batch as one next batch, never two at once', async () => {
    const batches: number[][] = [];
    let running = 0;
    const queue = new BatchQueue<number, number>(async (items) => {
      running += 1;
      expect(running).toBe(1);
      batches.push(items.map((item) => item.input));
      await new Promise((resolve) => setImmediate(resolve));
      for (const item of items) item.resolve(item.input * 2);
      running -= 1;
    });
    const results = await Promise.all([1, 2, 3, 4].map((input) => queue.submit(input, signal)));
    expect(results).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  // Issue 18: every batch left a listener on each caller's signal, and a work queue's signal lives a whole term of leadership.
  it("leaves no listener on its callers' signals once their batch is done", async () => {
    const lasting = new AbortController().signal;
    const queue = new BatchQueue<number, number>(async (items) => {
      for (const item of items) item.resolve(item.input);
    });
    for (let input = 0; input < 50; input++) await queue.submit(input, lasting);
    await Promise.all([1, 2, 3].map((input) => queue.submit(input, lasting)));

    expect(getEventListeners(lasting, 'abort')).toHaveLength(0);
  });

  it('fails every item of a batch whose runner throws, and goes on with the next', async () => {
    let calls = 0;
    const queue = new BatchQueue<string, string>(async (items) => {
      calls += 1;
      if (calls === 1) throw new Error('store unavailable');
      for (const item of items) item.resolve(item.input);
    });
    const first = queue.submit('a', signal);
    const second = queue.submit('b', signal);
    await expect(first).rejects.toThrow('store unavailable');
    await expect(second).resolves.toBe('b');
  });

  it('drops an item whose caller gave up before its turn, and stops I/O only when all of a batch gave up', async () => {
    const seenSignals: AbortSignal[] = [];
    const queue = new BatchQueue<string, string>(async (items, batchSignal) => {
      seenSignals.push(batchSignal);
      await new Promise((resolve) => setImmediate(resolve));
      for (const item of items) item.resolve(item.input);
    });
    const patient = new AbortController();
    const impatient = new AbortController();
    const first = queue.submit('first', signal);
    const dropped = queue.submit('dropped', AbortSignal.abort());
    const a = queue.submit('a', patient.signal);
    const b = queue.submit('b', impatient.signal);
    await first;
    await expect(dropped).rejects.toSatisfy((error) => isDomainError(error, 'Aborted'));
    impatient.abort();
    expect(seenSignals[1]?.aborted).toBe(false);
    await expect(Promise.all([a, b])).resolves.toEqual(['a', 'b']);
  });
});

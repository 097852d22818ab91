import { describe, expect, it } from 'vitest';
import { Periodic } from '../../../../src/adapters/runtime/periodic.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { deferred } from '../../../support/waiting.js';

describe('Periodic on the injected clock', () => {
  it('runs every interval of the clock, first after one interval', async () => {
    const clock = new ManualClock(new Date(0));
    const runs: number[] = [];
    const periodic = new Periodic(clock, 1000, async () => void runs.push(clock.now().getTime()));

    await clock.advanceAsync(3500);
    await periodic.stop();

    expect(runs).toEqual([1000, 2000, 3000]);
  });

  it('runs at once when asked to, then keeps the rhythm from there', async () => {
    const clock = new ManualClock(new Date(0));
    const runs: number[] = [];
    const periodic = new Periodic(clock, 1000, async () => void runs.push(clock.now().getTime()), true);
    await clock.advanceAsync(400);
    periodic.triggerNow();
    await clock.advanceAsync(1500);
    await periodic.stop();

    expect(runs).toEqual([0, 400, 1400]);
  });

  it('never overlaps itself: the next interval counts from the end of a slow run', async () => {
    const clock = new ManualClock(new Date(0));
    const gate = deferred();
    let running = 0;
    let overlapped = false;
    let runs = 0;
    const periodic = new Periodic(clock, 100, async () => {
      runs += 1;
      overlapped ||= running > 0;
      running += 1;
      if (runs === 1) await gate.promise;
      running -= 1;
    });

    await clock.advanceAsync(1000);
    periodic.triggerNow();
    expect(runs).toBe(1);
    gate.resolve();
    await clock.advanceAsync(250);
    await periodic.stop();

    expect(overlapped).toBe(false);
    expect(runs).toBe(3);
  });

  it('runs no more once stopped, and leaves no timer behind', async () => {
    const clock = new ManualClock(new Date(0));
    let runs = 0;
    const periodic = new Periodic(clock, 100, async () => void (runs += 1));
    await clock.advanceAsync(150);
    await periodic.stop();
    await clock.advanceAsync(1000);

    expect(runs).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });

  it('stop resolves only once the run in flight has finished', async () => {
    const clock = new ManualClock(new Date(0));
    const gate = deferred();
    let finished = false;
    const periodic = new Periodic(
      clock,
      100,
      async () => {
        await gate.promise;
        finished = true;
      },
      true,
    );
    let stopped = false;
    const stopping = periodic.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);

    gate.resolve();
    await stopping;

    expect(finished).toBe(true);
  });
});

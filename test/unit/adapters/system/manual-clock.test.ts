import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';

describe('ManualClock timers', () => {
  it('runs the timers that fall due while it advances, in time order, each at its due time', () => {
    const clock = new ManualClock(new Date(0));
    const ran: [string, number][] = [];
    clock.setTimer(300, () => ran.push(['late', clock.now().getTime()]));
    clock.setTimer(100, () => ran.push(['early', clock.now().getTime()]));
    clock.setTimer(1000, () => ran.push(['beyond', clock.now().getTime()]));

    clock.advance(500);

    expect(ran).toEqual([
      ['early', 100],
      ['late', 300],
    ]);
    expect(clock.now().getTime()).toBe(500);
    expect(clock.pendingTimers).toBe(1);
  });

  it('runs a timer set by a callback when it falls within the same advance', () => {
    const clock = new ManualClock(new Date(0));
    const ran: number[] = [];
    const tick = () => {
      ran.push(clock.now().getTime());
      clock.setTimer(100, tick);
    };
    clock.setTimer(100, tick);

    clock.advance(350);

    expect(ran).toEqual([100, 200, 300]);
  });

  it('never runs a cancelled timer', () => {
    const clock = new ManualClock(new Date(0));
    let ran = false;
    clock.setTimer(100, () => (ran = true)).cancel();
    clock.advance(1000);
    expect(ran).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });

  it('set jumps without running the timers on the way (a paused process)', () => {
    const clock = new ManualClock(new Date(0));
    let ran = false;
    clock.setTimer(100, () => (ran = true));
    clock.set(new Date(5000));
    expect(ran).toBe(false);
    clock.advance(0);
    expect(ran).toBe(true);
  });

  it('advanceAsync lets async work set its next timer before it moves on', async () => {
    const clock = new ManualClock(new Date(0));
    const ran: number[] = [];
    const task = async () => {
      ran.push(clock.now().getTime());
      await Promise.resolve();
      await Promise.resolve();
      clock.setTimer(100, () => void task());
    };
    clock.setTimer(100, () => void task());

    await clock.advanceAsync(450);

    expect(ran).toEqual([100, 200, 300, 400]);
  });
});

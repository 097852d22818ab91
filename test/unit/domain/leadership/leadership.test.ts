import { describe, expect, it } from 'vitest';
import { decideLeadership } from '../../../../src/domain/leadership/leadership-decision.js';
import { LeaderElection } from '../../../../src/domain/leadership/leader-election.js';
import { conflict, isDomainError } from '../../../../src/domain/errors.js';
import type { LeaseRecord, LeaseStore } from '../../../../src/ports/lease-store.port.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';

const now = new Date('2026-01-01T00:00:00Z');
const lease = (holder: string | undefined, renewedSecondsAgo: number): LeaseRecord => ({
  holder,
  acquiredAt: now,
  renewedAt: new Date(now.getTime() - renewedSecondsAgo * 1000),
  durationSeconds: 15,
  transitions: 2,
  version: '7',
});

describe('decideLeadership', () => {
  it('acquires a lease nobody holds', () => {
    expect(decideLeadership(undefined, 'me', now, 15)).toMatchObject({
      action: 'acquire',
      record: { holder: 'me', transitions: 0 },
    });
    expect(decideLeadership(lease(undefined, 0), 'me', now, 15)).toMatchObject({
      action: 'acquire',
      record: { transitions: 2, version: '7' },
    });
  });

  it('renews its own lease', () => {
    expect(decideLeadership(lease('me', 5), 'me', now, 15)).toMatchObject({
      action: 'renew',
      record: { holder: 'me', renewedAt: now },
    });
  });

  it("follows another operator's fresh lease, saying until when", () => {
    expect(decideLeadership(lease('other', 5), 'me', now, 15)).toEqual({
      action: 'follow',
      holder: 'other',
      expiresAt: new Date(now.getTime() + 10_000),
    });
  });

  it('takes over an expired lease, counting the transition', () => {
    expect(decideLeadership(lease('other', 16), 'me', now, 15)).toMatchObject({
      action: 'acquire',
      record: { holder: 'me', transitions: 3 },
    });
  });
});

class MemoryLeaseStore implements LeaseStore {
  record: LeaseRecord | undefined;
  #version = 0;
  failNextWrite = false;
  async find() {
    return this.record;
  }
  async write(record: LeaseRecord) {
    if (this.failNextWrite || record.version !== this.record?.version) {
      this.failNextWrite = false;
      throw conflict('lease');
    }
    this.record = { ...record, version: String(++this.#version) };
    return this.record;
  }
}

describe('LeaderElection', () => {
  const signal = new AbortController().signal;

  it('lets exactly one of two replicas lead, and hands over on release', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock(now);
    const first = new LeaderElection(store, clock, 'first', 15);
    const second = new LeaderElection(store, clock, 'second', 15);
    expect(await first.tryLead(signal)).toEqual({ leading: true });
    expect(await second.tryLead(signal)).toMatchObject({ leading: false, holder: 'first' });
    await first.release(signal);
    expect(await second.tryLead(signal)).toEqual({ leading: true });
  });

  it('takes over from a leader that stopped renewing', async () => {
    const store = new MemoryLeaseStore();
    const clock = new ManualClock(now);
    await new LeaderElection(store, clock, 'crashed', 15).tryLead(signal);
    clock.advance(16_000);
    expect(await new LeaderElection(store, clock, 'next', 15).tryLead(signal)).toEqual({ leading: true });
  });

  it('does not lead after losing a write race', async () => {
    const store = new MemoryLeaseStore();
    store.failNextWrite = true;
    expect(await new LeaderElection(store, new ManualClock(now), 'me', 15).tryLead(signal)).toEqual({
      leading: false,
      holder: undefined,
    });
  });

  it('surfaces other errors', async () => {
    const store = new MemoryLeaseStore();
    store.write = async () => {
      throw new Error('boom');
    };
    await expect(new LeaderElection(store, new ManualClock(now), 'me', 15).tryLead(signal)).rejects.toThrow('boom');
    expect(isDomainError(conflict('x'), 'Conflict')).toBe(true);
  });
});

describe('LeaderElection renewals', () => {
  const signal = new AbortController().signal;

  it('renews without reading while nobody else wrote, and reads again after a Conflict', async () => {
    const store = new MemoryLeaseStore();
    let reads = 0;
    const find = store.find.bind(store);
    store.find = async () => (reads++, find());
    const clock = new ManualClock(now);
    const leader = new LeaderElection(store, clock, 'me', 15);
    await leader.tryLead(signal);
    await leader.tryLead(signal);
    await leader.tryLead(signal);
    expect(reads).toBe(1);

    store.failNextWrite = true;
    expect(await leader.tryLead(signal)).toEqual({ leading: true });
    expect(reads).toBe(2);
  });
});

import { describe, expect, it } from 'vitest';
import { postReadinessEvent } from '../../../../../src/adapters/kubernetes/cluster-stores/readiness-event.js';
import { SimulatedCluster } from '../../../../support/simulated-cluster/index.js';
import { ManualClock } from '../../../../../src/adapters/system/manual-clock.js';
import type { Clock, Timer } from '../../../../../src/ports/clock.port.js';
import type { Manifest } from '../../../../../src/ports/cluster-api.port.js';
import { signal } from '../../../../support/scenario.js';
import { microsecondsOf } from '../../../../support/micro-time.js';

const READY = { reason: 'Gefyra-Ready', message: 'ready' };
const events = async (cluster: SimulatedCluster): Promise<Manifest[]> =>
  await cluster.list({ apiVersion: 'v1', kind: 'Event' }, 'gefyra', undefined, signal);
const laterThanCreation = (event: Manifest | undefined) =>
  microsecondsOf(String(event?.['eventTime'])) > microsecondsOf(event?.metadata.creationTimestamp ?? '');

/** A clock that moves on by `stepMs` at every reading, as real time does between the calls of one post. */
class SteppingClock implements Clock {
  #now: number;
  readonly #stepMs: number;
  constructor(start: string, stepMs: number) {
    this.#now = Date.parse(start);
    this.#stepMs = stepMs;
  }
  set(start: string): void {
    this.#now = Date.parse(start);
  }
  now(): Date {
    const now = new Date(this.#now);
    this.#now += this.#stepMs;
    return now;
  }
  setTimer(): Timer {
    throw new Error('posting a readiness Event sets no timer');
  }
}

describe('a readiness Event as the 2.5 client reads it', () => {
  it('carries an eventTime later than its creationTimestamp (stored to the second) and what an Event with eventTime needs', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:00.250Z'));
    const cluster = new SimulatedCluster({ clock, namespaces: ['gefyra'] });
    await postReadinessEvent(cluster, clock, 'gefyra', READY, signal);
    const [event] = await events(cluster);
    expect(event).toMatchObject({
      eventTime: '2026-03-01T10:00:00.250000Z',
      action: 'Startup',
      reportingComponent: 'gefyra-operator',
      reportingInstance: 'gefyra-operator',
    });
    expect(laterThanCreation(event)).toBe(true);
    expect(cluster.callCount('create')).toBe(1);
  });

  it('is posted again when the request crossed a second boundary, so the Event that stays reads as later', async () => {
    const clock = new SteppingClock('2026-03-01T09:00:00.000Z', 50);
    const cluster = new SimulatedCluster({ clock, namespaces: ['gefyra'] });
    // Read "now", then the API server stores the Event in the next second.
    clock.set('2026-03-01T10:00:00.960Z');
    await postReadinessEvent(cluster, clock, 'gefyra', READY, signal);
    const left = await events(cluster);
    expect(left).toHaveLength(1);
    expect(laterThanCreation(left[0])).toBe(true);
    expect({
      creates: cluster.callCount('create'),
      removes: cluster.callCount('remove'),
      patches: cluster.callCount('patch'),
    }).toEqual({ creates: 2, removes: 1, patches: 0 });
  });

  it('gets an eventTime one microsecond after its creation where the clock has not moved on', async () => {
    const clock = new ManualClock(new Date('2026-03-01T10:00:00.000Z'));
    const cluster = new SimulatedCluster({ clock, namespaces: ['gefyra'] });
    await postReadinessEvent(cluster, clock, 'gefyra', READY, signal);
    const [event] = await events(cluster);
    expect(event?.['eventTime']).toBe('2026-03-01T10:00:00.000001Z');
    expect(laterThanCreation(event)).toBe(true);
  });
});

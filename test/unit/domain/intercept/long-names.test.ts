import { describe, expect, it } from 'vitest';
import { eventName } from '../../../../src/adapters/kubernetes/cluster-stores/cluster-event-recorder.js';
import { servicesOf } from '../../../support/simulated-cluster/simulated-operator.js';
import {
  addTarget,
  bootedOperator,
  createRequest,
  eventsOf,
  readRequest,
  settle,
  signal,
  TARGET,
} from '../../../support/scenario.js';

/** Issue 13, defect 5: one request's over-long name must not fail another's intercept, and still gets its Events. */
describe('a request whose name is too long for a route key', () => {
  const longName = `${'a'.repeat(120)}.${'b'.repeat(125)}`; // 246 characters: a valid name, too long for `<name>_<port>_<hash>`

  it('fails alone with a clear reason; a request reserved in the same batch is established', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    addTarget(operator, { name: 'other' });
    await createRequest(operator, {}, longName);
    await createRequest(operator, { targetPod: 'other' }, 'innocent');
    const { intercepts } = servicesOf(operator);

    // Both reach the route reservation together, as concurrent reconciles do.
    await Promise.allSettled([
      intercepts.reconcile({ namespace: 'gefyra', name: longName }, signal),
      intercepts.reconcile({ namespace: 'gefyra', name: 'innocent' }, signal),
    ]);
    await settle(operator, longName);
    await settle(operator, 'innocent');

    expect((await readRequest(operator, 'innocent'))?.['established']).toBe(true);
    expect((await readRequest(operator, longName))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'NameTooLong',
      message: expect.stringMatching(
        /name of the InterceptRequest or GefyraBridge is 246 characters long; its routes can only be stored for names of at most 238 characters/,
      ),
    });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
    expect(eventsOf(operator, longName).map((event) => event.reason)).toEqual(['NameTooLong']);
  });

  it('gets Event names that fit, whatever the length of the name', () => {
    const name = eventName(`${'x'.repeat(235)}.-${'y'.repeat(16)}`, '0123456789abcdef');
    expect(name.length).toBeLessThanOrEqual(253);
    expect(name).toMatch(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?\.0123456789abcdef$/);
    expect(eventName('short', '0123456789abcdef')).toBe('short.0123456789abcdef');
  });
});

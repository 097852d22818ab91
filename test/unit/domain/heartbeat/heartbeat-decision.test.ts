import { describe, expect, it } from 'vitest';
import { judgeHeartbeat } from '../../../../src/domain/heartbeat/heartbeat-decision.js';

const now = new Date('2026-01-01T01:00:00Z');
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000);

describe('judgeHeartbeat', () => {
  it.each([
    ['a disabled check never resets', ago(10_000), 0, 'disabled'],
    ['no handshake yet is never a loss', undefined, 600_000, 'neverConnected'],
    ['a recent handshake is alive', ago(170), 600_000, 'alive'],
    ['exactly at the timeout is still alive', ago(600), 600_000, 'alive'],
    ['beyond the timeout is lost', ago(601), 600_000, 'lost'],
  ] as const)('%s', (_name, handshake, timeoutMs, state) => {
    expect(judgeHeartbeat(handshake, now, timeoutMs).state).toBe(state);
  });

  it('reports the age of the last handshake', () => {
    expect(judgeHeartbeat(ago(700), now, 600_000)).toEqual({ state: 'lost', lastHandshake: ago(700), ageMs: 700_000 });
  });
});

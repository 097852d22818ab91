import { describe, expect, it } from 'vitest';
import { judgeTunnelStartup } from '../../../../src/domain/boot/boot-decision.js';

const now = new Date('2026-01-01T00:03:00Z');
const since = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000);

describe('judgeTunnelStartup', () => {
  it('is ready when the tunnel is', () => {
    expect(judgeTunnelStartup({ state: 'ready', revision: 'r' }, now, 180_000, 'Stowaway')).toEqual({
      state: 'ready',
      revision: 'r',
    });
  });

  it('waits within the start-up timeout, until exactly when it runs out', () => {
    expect(judgeTunnelStartup({ state: 'starting', since: since(30) }, now, 180_000, 'Stowaway')).toEqual({
      state: 'waiting',
      message: 'waiting for Stowaway to become ready (30s so far): starting',
      recheckAfterMs: 150_000,
    });
  });

  it("waits on a failing pod too (an image pull may still succeed), naming the pod's reason", () => {
    const verdict = judgeTunnelStartup(
      { state: 'failing', since: since(10), reason: 'pod x: stowaway: ImagePullBackOff' },
      now,
      180_000,
      'Stowaway',
    );
    expect(verdict).toMatchObject({ state: 'waiting', message: expect.stringMatching(/ImagePullBackOff/) });
  });

  it("times out with the tunnel's own reason", () => {
    expect(
      judgeTunnelStartup(
        { state: 'failing', since: since(181), reason: 'pod x: stowaway: ErrImagePull' },
        now,
        180_000,
        'Stowaway',
      ),
    ).toEqual({
      state: 'timedOut',
      message: 'Stowaway did not become ready within 180s: pod x: stowaway: ErrImagePull',
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ClusterLeaseStore } from '../../../../../src/adapters/kubernetes/cluster-stores/cluster-lease-store.js';
import { InMemoryCluster } from '../../../../../src/adapters/in-memory/index.js';
import { ManualClock } from '../../../../../src/adapters/system/manual-clock.js';
import { isDomainError } from '../../../../../src/domain/errors.js';
import { LeaderElection } from '../../../../../src/domain/leadership/leader-election.js';
import { signal } from '../../../../support/scenario.js';

/** Leader election on a ConfigMap lock, for credentials that may not touch Leases (the Gefyra client's role). */
describe('the ConfigMap leader lock', () => {
  const setup = () => {
    const clock = new ManualClock();
    const cluster = new InMemoryCluster({ clock, namespaces: ['gefyra'] });
    const store = () => new ClusterLeaseStore(cluster, 'gefyra', 'gefyra-operator', 'ConfigMap');
    return { clock, cluster, store, election: (identity: string) => new LeaderElection(store(), clock, identity, 15) };
  };

  it('lets one replica lead, the other follow until the lock expires, then take over', async () => {
    const { clock, election } = setup();
    const a = election('a');
    const b = election('b');
    expect(await a.tryLead(signal)).toEqual({ leading: true });
    expect(await b.tryLead(signal)).toMatchObject({ leading: false, holder: 'a' });
    clock.advance(16_000);
    expect(await b.tryLead(signal)).toEqual({ leading: true });
    // a's renewal is on a version b has replaced: it loses, reads, and follows.
    expect(await a.tryLead(signal)).toMatchObject({ leading: false, holder: 'b' });
  });

  it('refuses a write on a stale version (optimistic concurrency by resourceVersion)', async () => {
    const { store } = setup();
    const first = await store().write(
      {
        holder: 'a',
        acquiredAt: new Date(),
        renewedAt: new Date(),
        durationSeconds: 15,
        transitions: 0,
        version: undefined,
      },
      signal,
    );
    await store().write({ ...first, holder: 'b' }, signal);
    const stale = await store()
      .write({ ...first, holder: 'c' }, signal)
      .catch((error: unknown) => error);
    expect(isDomainError(stale, 'Conflict')).toBe(true);
    expect((await store().find(signal))?.holder).toBe('b');
  });
});

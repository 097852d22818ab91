import { describe, expect, it } from 'vitest';
import { DomainError, isDomainError } from '../../../../src/domain/errors.js';
import { RouteService } from '../../../../src/domain/routes/route-service.js';
import { InMemoryRouteStore } from '../../../../src/adapters/in-memory/in-memory-route-store.js';

const signal = new AbortController().signal;
const pool = { first: 10000, last: 10999, reserved: [10873] };
const want = (containerPort: number) => ({ containerPort, destination: { ip: '172.18.0.3', port: 8000 } });

/** A store that refuses any table holding a route of `refused`, as the API server refuses a bad ConfigMap key. */
class RefusingRouteStore extends InMemoryRouteStore {
  constructor(private readonly refused: string) {
    super();
  }
  override async save(...args: Parameters<InMemoryRouteStore['save']>): ReturnType<InMemoryRouteStore['save']> {
    if (args[0].some((route) => route.owner === this.refused))
      throw new DomainError('Invalid', `the API server rejected a key of ${this.refused}`);
    return super.save(...args);
  }
}

describe('RouteService', () => {
  it("splits a batch the store refuses: only the refused change fails, the other's routes are saved (issue 13, defect 5)", async () => {
    const store = new RefusingRouteStore('bad');
    const service = new RouteService(store, pool);
    // While `first` is saved, the other two wait and go into one batch together.
    const [first, bad, good] = await Promise.allSettled([
      service.reserve('first', [want(80)], signal),
      service.reserve('bad', [want(80)], signal),
      service.reserve('good', [want(80)], signal),
    ]);
    expect(first).toMatchObject({ status: 'fulfilled' });
    expect(bad).toMatchObject({
      status: 'rejected',
      reason: { kind: 'Invalid', message: 'the API server rejected a key of bad' },
    });
    expect(good).toMatchObject({ status: 'fulfilled' });
    expect(store.routes.map((route) => route.owner)).toEqual(['first', 'good']);
  });

  it('refuses an owner too long for the store before it joins a batch', async () => {
    const service = new RouteService(new InMemoryRouteStore(), pool);
    await expect(service.reserve('x'.repeat(254), [want(80)], signal)).rejects.toMatchObject({
      kind: 'Invalid',
      details: { reason: 'NameTooLong' },
    });
  });

  it('reserves, reports and releases an owner’s routes durably', async () => {
    const store = new InMemoryRouteStore();
    const service = new RouteService(store, pool);
    const routes = await service.reserve('a', [want(80), want(443)], signal);
    expect(routes.map((route) => route.proxyPort)).toEqual([10000, 10001]);
    expect(await service.routesOf('a', signal)).toEqual(routes);
    await service.release('a', signal);
    expect(store.routes).toEqual([]);
  });

  it('is idempotent: reserving the same routes again writes nothing', async () => {
    const store = new InMemoryRouteStore();
    const service = new RouteService(store, pool);
    await service.reserve('a', [want(80)], signal);
    await service.reserve('a', [want(80)], signal);
    await service.release('nobody', signal);
    expect(store.saves).toBe(1);
  });

  it('rebuilds its allocation from the store after a restart', async () => {
    const store = new InMemoryRouteStore();
    await new RouteService(store, pool).reserve('a', [want(80)], signal);
    const restarted = new RouteService(store, pool);
    const [route] = await restarted.reserve('b', [want(80)], signal);
    expect(route?.proxyPort).toBe(10001);
  });

  it('batches concurrent changes into one save, with distinct ports', async () => {
    const store = new InMemoryRouteStore();
    const service = new RouteService(store, pool);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, index) => service.reserve(`r${index}`, [want(80)], signal)),
    );
    const ports = new Set(results.flat().map((route) => route.proxyPort));
    expect(ports.size).toBe(50);
    expect(store.saves).toBeLessThanOrEqual(2);
  });

  it('replans on a fresh load when another writer wins the race', async () => {
    const store = new InMemoryRouteStore();
    const service = new RouteService(store, pool);
    store.conflictOnNextSaves(3);
    const [route] = await service.reserve('a', [want(80)], signal);
    expect(route?.proxyPort).toBe(10000);
    expect(store.routes).toHaveLength(1);
  });

  it('gives up with the Conflict after too many lost races', async () => {
    const store = new InMemoryRouteStore();
    const service = new RouteService(store, pool);
    store.conflictOnNextSaves(100);
    await expect(service.reserve('a', [want(80)], signal)).rejects.toSatisfy((error) =>
      isDomainError(error, 'Conflict'),
    );
  });

  it('fails only the change that exhausts the pool, not the rest of its batch', async () => {
    const store = new InMemoryRouteStore();
    const service = new RouteService(store, { first: 10000, last: 10001, reserved: [] });
    const outcomes = await Promise.allSettled([
      service.reserve('a', [want(80)], signal),
      service.reserve('b', [want(80), want(81)], signal),
      service.reserve('c', [want(80)], signal),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(isDomainError((outcomes[1] as PromiseRejectedResult).reason, 'Exhausted')).toBe(true);
  });

  it('rejects a change whose caller gave up before it was saved', async () => {
    const service = new RouteService(new InMemoryRouteStore(), pool);
    const aborted = AbortSignal.abort();
    const first = service.reserve('a', [want(80)], signal);
    const second = service.reserve('b', [want(80)], aborted);
    await first;
    await expect(second).rejects.toSatisfy((error) => isDomainError(error, 'Aborted'));
  });
});

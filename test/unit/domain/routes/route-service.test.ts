import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../../../src/domain/errors.js';
import { RouteService } from '../../../../src/domain/routes/route-service.js';
import { InMemoryRouteStore } from '../../../../src/adapters/in-memory/in-memory-route-store.js';

const signal = new AbortController().signal;
const pool = { first: 10000, last: 10999, reserved: [10873] };
const want = (containerPort: number) => ({ containerPort, destination: { ip: '192.168.99.2', port: 8000 } });

describe('RouteService', () => {
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
    const results = await Promise.all(Array.from({ length: 50 }, (_, index) => service.reserve(`r${index}`, [want(80)], signal)));
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
    await expect(service.reserve('a', [want(80)], signal)).rejects.toSatisfy((error) => isDomainError(error, 'Conflict'));
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

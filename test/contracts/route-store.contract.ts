import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Route } from '../../src/domain/routes/route.js';
import type { RouteStore } from '../../src/ports/route-store.port.js';
import { expectKind, signal } from './contract-helpers.js';

/**
 * What every RouteStore must do, so that the RouteService's unit tests on
 * InMemoryRouteStore hold for StowawayRouteStore on a real API server: the
 * whole table saved with optimistic concurrency, a Conflict for a writer
 * that lost a race (the RouteService then reloads and replans).
 */
export interface RouteStoreContractFixture {
  /** An empty store, fresh for this test. */
  readonly store: RouteStore;
  teardown(): Promise<void>;
}

const route = (owner: string, containerPort: number, proxyPort: number): Route => ({
  owner,
  containerPort,
  destination: { ip: '172.18.0.3', port: 8000 + containerPort },
  proxyPort,
});
const sorted = (routes: readonly Route[]): Route[] =>
  [...routes].sort((a, b) => a.proxyPort - b.proxyPort || a.owner.localeCompare(b.owner));

export function describeRouteStoreContract(label: string, setup: () => Promise<RouteStoreContractFixture>): void {
  describe(`RouteStore contract: ${label}`, () => {
    let fixture: RouteStoreContractFixture;
    let store: RouteStore;
    beforeEach(async () => {
      fixture = await setup();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.teardown();
    });

    it('loads an empty table without a version before the first save', async () => {
      expect(await store.load(signal())).toEqual({ routes: [], version: undefined });
    });

    it('saves the whole table and loads it back with a new version after each save', async () => {
      const first = await store.save([route('web-a', 80, 10000), route('web-b', 80, 10001)], undefined, signal());
      expect(first.version).toBeDefined();
      const loaded = await store.load(signal());
      expect(sorted(loaded.routes)).toEqual([route('web-a', 80, 10000), route('web-b', 80, 10001)]);
      expect(loaded.version).toBe(first.version);

      const second = await store.save([route('web-b', 80, 10001)], loaded.version, signal());
      expect(second.version).not.toBe(first.version);
      expect(await store.load(signal(), { fresh: true })).toEqual({
        routes: [route('web-b', 80, 10001)],
        version: second.version,
      });
    });

    it('refuses a save based on a stale version, or on none once a table exists, with Conflict', async () => {
      const first = await store.save([route('web-a', 80, 10000)], undefined, signal());
      const second = await store.save([route('web-a', 80, 10000), route('web-b', 80, 10001)], first.version, signal());
      await expectKind(store.save([route('web-c', 80, 10002)], first.version, signal()), 'Conflict');
      await expectKind(store.save([route('web-d', 80, 10003)], undefined, signal()), 'Conflict');
      const loaded = await store.load(signal(), { fresh: true });
      expect(sorted(loaded.routes)).toEqual([route('web-a', 80, 10000), route('web-b', 80, 10001)]);
      expect(loaded.version).toBe(second.version);
    });

    it('keeps routes of one owner on several container ports apart, and an owner as long as it allows', async () => {
      const longOwner = 'o'.repeat(store.maxOwnerLength);
      const routes = [route('web-a', 80, 10000), route('web-a', 8443, 10001), route(longOwner, 65535, 10002)];
      await store.save(routes, undefined, signal());
      expect(sorted((await store.load(signal(), { fresh: true })).routes)).toEqual(routes);
    });
  });
}

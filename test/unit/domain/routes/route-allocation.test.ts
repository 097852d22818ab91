import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../../../src/domain/errors.js';
import { applyRouteChange, sameRoutes } from '../../../../src/domain/routes/route-allocation.js';
import type { PortPool, Route } from '../../../../src/domain/routes/route.js';

const pool: PortPool = { first: 10000, last: 10004, reserved: [10002] };
const want = (containerPort: number, port = 8000, ip = '172.18.0.3') => ({ containerPort, destination: { ip, port } });
const route = (owner: string, containerPort: number, proxyPort: number, port = 8000): Route => ({
  owner,
  containerPort,
  proxyPort,
  destination: { ip: '172.18.0.3', port },
});

describe('applyRouteChange', () => {
  it("hands out no port whose proxy another owner still has, and keeps an owner's route on its own proxy (issue 13, defect 4)", () => {
    const occupied = new Map<number, string | undefined>([
      [10000, 'gone-from-table'],
      [10001, 'a'],
      [10003, undefined],
    ]);
    // 10003's proxy predates recorded owners: it is `a`'s, whose table route it serves; nobody else's.
    const table = applyRouteChange(
      [route('a', 81, 10003)],
      { kind: 'reserve', owner: 'a', wanted: [want(80), want(81)] },
      pool,
      occupied,
    );
    expect(table.map((r) => [r.containerPort, r.proxyPort])).toEqual([
      [81, 10003],
      [80, 10001],
    ]);
    const other = applyRouteChange(table, { kind: 'reserve', owner: 'b', wanted: [want(80)] }, pool, occupied);
    expect(other.find((r) => r.owner === 'b')?.proxyPort).toBe(10004);
  });

  it('gives a lost route its old port back when that is free', () => {
    const table = applyRouteChange(
      [],
      { kind: 'reserve', owner: 'a', wanted: [{ ...want(80), preferredProxyPort: 10003 }] },
      pool,
    );
    expect(table.map((r) => r.proxyPort)).toEqual([10003]);
  });

  it('gives new routes the lowest free ports, skipping reserved and used ones', () => {
    const table = applyRouteChange(
      [route('a', 80, 10000)],
      { kind: 'reserve', owner: 'b', wanted: [want(80), want(81)] },
      pool,
    );
    expect(table.filter((r) => r.owner === 'b').map((r) => r.proxyPort)).toEqual([10001, 10003]);
  });

  it('keeps the proxy port of a route that already exists, even when its destination changes', () => {
    const table = applyRouteChange(
      [route('a', 80, 10003)],
      { kind: 'reserve', owner: 'a', wanted: [want(80, 9000)] },
      pool,
    );
    expect(table).toEqual([route('a', 80, 10003, 9000)]);
  });

  it('keys routes by owner: two intercepts to the same destination get separate routes', () => {
    let table = applyRouteChange([], { kind: 'reserve', owner: 'a', wanted: [want(80)] }, pool);
    table = applyRouteChange(table, { kind: 'reserve', owner: 'b', wanted: [want(80)] }, pool);
    expect(table.map((r) => [r.owner, r.proxyPort])).toEqual([
      ['a', 10000],
      ['b', 10001],
    ]);
    expect(applyRouteChange(table, { kind: 'release', owner: 'a' }, pool)).toEqual([route('b', 80, 10001)]);
  });

  it('drops routes an owner no longer wants', () => {
    const table = applyRouteChange(
      [route('a', 80, 10000), route('a', 81, 10001)],
      { kind: 'reserve', owner: 'a', wanted: [want(81)] },
      pool,
    );
    expect(table).toEqual([route('a', 81, 10001)]);
  });

  it('fails clearly, without changing anything, when the pool is exhausted', () => {
    const full = [route('a', 1, 10000), route('a', 2, 10001), route('a', 3, 10003)];
    let thrown: unknown;
    try {
      applyRouteChange(full, { kind: 'reserve', owner: 'b', wanted: [want(80), want(81)] }, pool);
    } catch (error) {
      thrown = error;
    }
    expect(isDomainError(thrown, 'Exhausted')).toBe(true);
    expect((thrown as Error).message).toMatch(
      /no free proxy port: all 4 ports of 10000-10004 are in use by 3 routes.*GEFYRA_PROXY_PORT_RANGE/,
    );
  });

  it('scales to thousands of routes in a wide default pool', () => {
    const wide: PortPool = { first: 10000, last: 19999, reserved: [10873] };
    let table: Route[] = [];
    for (let owner = 0; owner < 3000; owner++) {
      table = applyRouteChange(table, { kind: 'reserve', owner: `r${owner}`, wanted: [want(80)] }, wide);
    }
    const ports = new Set(table.map((r) => r.proxyPort));
    expect(ports.size).toBe(3000);
    expect(ports.has(10873)).toBe(false);
  });
});

describe('sameRoutes', () => {
  it('ignores order but not content', () => {
    expect(sameRoutes([route('a', 1, 10000), route('b', 1, 10001)], [route('b', 1, 10001), route('a', 1, 10000)])).toBe(
      true,
    );
    expect(sameRoutes([route('a', 1, 10000)], [route('a', 1, 10001)])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { parseRouteEntry, routeEntryKey, routeEntryValue } from '../../../../src/plugins/stowaway/route-entries.js';
import type { Route } from '../../../../src/domain/routes/route.js';

const route: Route = {
  owner: 'web-to-shop.deploy.web-0',
  containerPort: 8080,
  destination: { ip: '172.18.0.3', port: 8000 },
  proxyPort: 10003,
};

describe('route entries', () => {
  it("writes the value in Stowaway's format", () => {
    expect(routeEntryValue(route)).toBe('172.18.0.3:8000,10003');
    expect(routeEntryValue({ ...route, destination: { ip: 'fd00::2', port: 8000 } })).toBe('[fd00::2]:8000,10003');
  });

  it('round-trips through key and value, for IPv4 and IPv6', () => {
    for (const candidate of [route, { ...route, destination: { ip: 'fd00::2', port: 8000 } }]) {
      expect(parseRouteEntry(routeEntryKey(candidate), routeEntryValue(candidate))).toEqual(candidate);
    }
  });

  it('uses only characters a ConfigMap key allows', () => {
    expect(routeEntryKey(route)).toMatch(/^[-._a-zA-Z0-9]+$/);
    expect(routeEntryKey(route)).toMatch(/^web-to-shop\.deploy\.web-0_8080_[0-9a-f]{8}$/);
  });

  it('gives a changed route a new key, so a directory listing shows whether Stowaway has it', () => {
    expect(routeEntryKey({ ...route, proxyPort: 10004 })).not.toBe(routeEntryKey(route));
    expect(routeEntryKey({ ...route, destination: { ip: '172.18.0.4', port: 8000 } })).not.toBe(routeEntryKey(route));
  });

  it('ignores entries it did not write or that were edited by hand', () => {
    expect(parseRouteEntry('legacy-route', '172.18.0.3:8000,10000')).toBeUndefined();
    expect(parseRouteEntry(routeEntryKey(route), '172.18.0.3:8000,10999')).toBeUndefined();
    expect(parseRouteEntry(routeEntryKey(route), 'garbage')).toBeUndefined();
  });
});

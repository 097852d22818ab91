import { describe, expect, it } from 'vitest';
import { resolve } from '../../../../src/plugins/resolve.js';
import type { Manifest } from '../../../../src/ports/cluster-api.port.js';
import { TOKENS } from '../../../../src/tokens.js';
import { servicesOf, type SimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import {
  addTarget,
  bootedOperator,
  createRequest,
  deleteRequest,
  proxyServices,
  readRequest,
  routeConfigMap,
  settle,
  signal,
} from '../../../support/scenario.js';

/** Issue 13, defects 3, 4 and 10: every proxy port and Service belongs to one request, recorded in the cluster. */
const ROUTES = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra', name: 'gefyra-stowaway-proxyroutes' };

const proxyPortOf = async (operator: SimulatedOperator, name: string): Promise<number | undefined> =>
  ((await readRequest(operator, name))?.['status'] as { routes?: { proxyPort: number }[] } | undefined)?.routes?.[0]
    ?.proxyPort;

async function establish(operator: SimulatedOperator, name: string, targetName = name): Promise<number> {
  addTarget(operator, { name: targetName });
  await createRequest(operator, { targetPod: targetName }, name);
  await settle(operator, name);
  const port = await proxyPortOf(operator, name);
  if ((await readRequest(operator, name))?.['established'] !== true || port === undefined)
    throw new Error(`${name} was not established`);
  return port;
}

async function editRoutes(
  operator: SimulatedOperator,
  edit: (data: Record<string, string>) => Record<string, string>,
): Promise<void> {
  const stored = (await operator.cluster.find(ROUTES, signal)) as Manifest;
  await operator.cluster.replace({ ...stored, data: edit({ ...(stored['data'] as Record<string, string>) }) }, signal);
}

describe('route ownership', () => {
  it("a finished request's stale teardown leaves the Service of a port another request holds now alone", async () => {
    const operator = await bootedOperator();
    const port = await establish(operator, 'first');
    const [staleRoute] = await servicesOf(operator).routes.all(signal);
    await deleteRequest(operator, 'first');
    await settle(operator, 'first');
    expect(await establish(operator, 'second')).toBe(port);

    // What a second teardown from a stale cached copy of `first` asks of the tunnel.
    await resolve(operator.container, TOKENS.TunnelRouter).loadRoutes({ present: [], absent: [staleRoute!] }, signal);

    expect(proxyServices(operator)).toEqual([`gefyra-stowaway-proxy-${port}`]);
  });

  it('a route entry removed by hand: its port goes to nobody else while its Service exists, and its request gets it back', async () => {
    const operator = await bootedOperator();
    const port = await establish(operator, 'first');
    await editRoutes(operator, () => ({}));

    const other = await establish(operator, 'second');
    expect(other).not.toBe(port);

    await settle(operator, 'first');
    expect(await proxyPortOf(operator, 'first')).toBe(port);
    expect(Object.values(routeConfigMap(operator)).sort()).toEqual(
      [`172.18.0.3:8000,${port}`, `172.18.0.3:8000,${other}`].sort(),
    );
  });

  it('the route ConfigMap deleted: the next request takes no live port, and the others are rebuilt on their own ports', async () => {
    const operator = await bootedOperator();
    const ports = [await establish(operator, 'a'), await establish(operator, 'b')];
    await operator.cluster.remove(ROUTES, signal);

    const third = await establish(operator, 'c');
    expect(ports).not.toContain(third);
    await settle(operator, 'a');
    await settle(operator, 'b');

    expect([await proxyPortOf(operator, 'a'), await proxyPortOf(operator, 'b')]).toEqual(ports);
    expect(Object.keys(routeConfigMap(operator))).toHaveLength(3);
    expect(proxyServices(operator)).toHaveLength(3);
  });

  it('collects a proxy Service whose request is gone and that no route accounts for (a teardown interrupted before recording it)', async () => {
    const operator = await bootedOperator();
    const port = await establish(operator, 'live');
    const leaked = 10_042;
    await operator.cluster.apply(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: {
          name: `gefyra-stowaway-proxy-${leaked}`,
          namespace: 'gefyra',
          labels: { 'app.kubernetes.io/component': 'proxy-route', 'gefyra.dev/proxy-route': String(leaked) },
          annotations: { 'gefyra.dev/route-owner': 'deleted-long-ago' },
        },
        spec: {
          selector: { app: 'stowaway' },
          ports: [{ name: 'proxy', protocol: 'TCP', port: leaked, targetPort: leaked }],
        },
      },
      signal,
    );

    expect(await servicesOf(operator).standby.collectOrphanRoutes(signal)).toEqual(['deleted-long-ago']);

    expect(proxyServices(operator)).toEqual([`gefyra-stowaway-proxy-${port}`]);
  });
});

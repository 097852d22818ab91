import { describe, expect, it } from 'vitest';
import { servicesOf } from '../../../support/simulated-cluster/simulated-operator.js';
import { addTarget, bootedOperator, createRequest, routeConfigMap, settle, signal } from '../../../support/scenario.js';

describe('StandbyService', () => {
  it('lists every existing request to take it up where it stands', async () => {
    const operator = await bootedOperator();
    await createRequest(operator, {}, 'a');
    await createRequest(operator, {}, 'b');
    expect(await servicesOf(operator).standby.existingRequests(signal)).toEqual([
      { namespace: 'gefyra', name: 'a' },
      { namespace: 'gefyra', name: 'b' },
    ]);
  });

  it('releases and unloads routes whose request is gone, and keeps the others', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    await createRequest(operator);
    await settle(operator);
    const { routes, standby } = servicesOf(operator);
    await routes.reserve(
      'vanished-request',
      [{ containerPort: 80, destination: { ip: '172.18.0.4', port: 80 } }],
      signal,
    );

    expect(await standby.collectOrphanRoutes(signal)).toEqual(['vanished-request']);

    expect(Object.values(routeConfigMap(operator))).toEqual(['172.18.0.3:8000,10000']);
    expect(operator.stowaway.servedRoutes).toEqual(routeConfigMap(operator));
    expect(await standby.collectOrphanRoutes(signal)).toEqual([]);
  });
});

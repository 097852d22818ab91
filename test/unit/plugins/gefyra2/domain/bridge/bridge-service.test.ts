import { describe, expect, it } from 'vitest';
import { GEFYRA_FINALIZER } from '../../../../../../src/plugins/gefyra2/domain/lifecycle.js';
import { bridgesFixture } from '../../../../../support/gefyra2-bridges-fixture.js';

const PROXY_10000 = 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local';

describe('GefyraBridge service', () => {
  it('routes to the developer, configures carrier2 in every original pod and is ACTIVE with its clusterEndpoint and a Ready Event', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    await g.settleBridge('bridge-a');
    const bridge = g.bridge('bridge-a');
    expect(bridge?.state).toBe('ACTIVE');
    expect(bridge?.finalizers).toContain(GEFYRA_FINALIZER);
    expect(bridge?.clusterEndpoint).toEqual({ 8080: `${PROXY_10000}:10000` });
    expect(Object.keys(bridge?.stateTransitions ?? {}).sort()).toEqual([
      'ACTIVE',
      'CREATING',
      'INSTALLED',
      'INSTALLING',
    ]);
    expect(g.routes.held().get('bridge-a')).toEqual([
      { containerPort: 8080, destination: '172.18.0.3:8000', proxyPort: 10000, serviceReady: true },
    ]);
    for (const pod of g.originals()) {
      expect(g.carrier.runningConfiguration(pod)?.routes).toEqual([
        {
          containerPort: 8080,
          proxyHost: PROXY_10000,
          proxyPort: 10000,
          selective: {
            name: 'bridge-a',
            since: g.cluster.peek({
              apiVersion: 'gefyra.dev/v1',
              kind: 'gefyrabridge',
              namespace: 'gefyra',
              name: 'bridge-a',
            })?.metadata.creationTimestamp,
            rules: [[{ on: 'header', name: 'x-gefyra-user', value: 'alice', type: 'exact' }]],
          },
        },
      ]);
    }
    const events = g.events('bridge-a');
    expect(events.map((event) => event.reason)).toEqual(
      expect.arrayContaining(['GefyraBridge state changed', 'GefyraBridge connection', 'Ready']),
    );
    // The mount stays ACTIVE and sees its carriers current: nothing to push again.
    const pushes = g.carrier.configures.length;
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(g.carrier.configures).toHaveLength(pushes);
  });
});

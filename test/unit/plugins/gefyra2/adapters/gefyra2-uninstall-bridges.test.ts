import { describe, expect, it } from 'vitest';
import { silentLogger } from '../../../../../src/adapters/system/pino-logger.js';
import { DomainError } from '../../../../../src/domain/errors.js';
import type { TunnelProvider } from '../../../../../src/ports/tunnel-provider.port.js';
import { ClusterClientAccounts } from '../../../../../src/plugins/gefyra2/adapters/cluster-client-accounts.js';
import { Gefyra2Uninstall } from '../../../../../src/plugins/gefyra2/adapters/gefyra2-uninstall.js';
import { GEFYRA_FINALIZER } from '../../../../../src/plugins/gefyra2/domain/lifecycle.js';
import { FAKE_CARRIER_IMAGE } from '../../../../support/fake-carrier-installer.js';
import { bridgesFixture, NAMESPACE } from '../../../../support/gefyra2-bridges-fixture.js';

const signal = () => AbortSignal.timeout(10_000);

/** A tunnel that is removed and nothing else: what the uninstall asks of it. */
class RemovedTunnel implements Pick<TunnelProvider, 'uninstall'> {
  removals = 0;
  async uninstall(): Promise<void> {
    this.removals++;
  }
}

describe('Gefyra 2 uninstall with mounts and bridges served', () => {
  it('restores the originals, removes the shadow and the routes, and only then releases the finalizers', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    await g.settleBridge('bridge-a');
    const tunnel = new RemovedTunnel();
    const uninstall = new Gefyra2Uninstall({
      objects: g.cluster,
      clients: { reconcile: async () => ({ done: true }) },
      mounts: g.mountService,
      bridges: g.bridgeService,
      accounts: new ClusterClientAccounts(g.cluster, NAMESPACE),
      tunnel: tunnel as unknown as TunnelProvider,
      installations: [],
      namespace: NAMESPACE,
      webhookConfiguration: 'gefyra.dev',
      logger: silentLogger,
    });

    // The first restore fails: the mount keeps its finalizer, nothing is stranded, and the run can be repeated.
    g.cluster.failNext('patchPod', new DomainError('Unavailable', 'API server unavailable'));
    await expect(uninstall.uninstall({ removeOperator: false }, signal())).rejects.toThrow('API server unavailable');
    expect(g.mount()?.deleting).toBe(true);
    expect(g.mount()?.finalizers).toContain(GEFYRA_FINALIZER);
    expect(g.originals().some((pod) => pod.containers[0]?.image === FAKE_CARRIER_IMAGE)).toBe(true);
    expect(tunnel.removals).toBe(0);

    await uninstall.uninstall({ removeOperator: false }, signal());
    expect(g.mount()).toBeUndefined();
    expect(g.bridge('bridge-a')).toBeUndefined();
    for (const pod of g.originals()) expect(pod.containers[0]?.image).toBe('example.test/shop-web:1');
    expect(g.peek('Deployment', 'web-gefyra', 'apps/v1')).toBeUndefined();
    expect(g.peek('Service', 'web-app-gefyra-svc')).toBeUndefined();
    expect(g.peek('HorizontalPodAutoscaler', 'web-gefyra', 'autoscaling/v2')).toBeUndefined();
    expect(g.routes.held().size).toBe(0);
    expect(tunnel.removals).toBe(1);
  });
});

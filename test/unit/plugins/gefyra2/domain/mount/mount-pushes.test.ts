import { describe, expect, it } from 'vitest';
import type { ContainerRef } from '../../../../../../src/domain/cluster/pod.js';
import type { CarrierConfiguration } from '../../../../../../src/ports/carrier-installer.port.js';
import { FakeCarrierInstaller } from '../../../../../support/fake-carrier-installer.js';
import { bridgesFixture } from '../../../../../support/gefyra2-bridges-fixture.js';

/** The fake carrier, with a hook run around its next push: where a controller of the other kind gets its turn. */
class CarrierWithTurns extends FakeCarrierInstaller {
  #before: (() => Promise<void>) | undefined;
  #after: (() => Promise<void>) | undefined;

  beforeNextPush(turn: () => Promise<void>): void {
    this.#before = turn;
  }

  afterNextPush(turn: () => Promise<void>): void {
    this.#after = turn;
  }

  override async configure(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal) {
    const [before, after] = [this.#before, this.#after];
    [this.#before, this.#after] = [undefined, undefined];
    await before?.();
    await super.configure(target, configuration, signal);
    await after?.();
  }
}

async function fixtureWithTurns() {
  let carrier: CarrierWithTurns | undefined;
  const g = await bridgesFixture({ carriers: (cluster) => [(carrier = new CarrierWithTurns(cluster))] });
  await g.activeMount();
  /** Pushes of a configuration with `bridge`, per pod. */
  const pushesWith = (bridge: string): Record<string, number> => {
    const counts: Record<string, number> = {};
    for (const push of carrier!.configures) {
      if (!push.configuration.routes.some((route) => route.selective?.name === bridge)) continue;
      counts[push.pod] = (counts[push.pod] ?? 0) + 1;
    }
    return counts;
  };
  return { ...g, carrier: carrier!, pushesWith };
}

/** A few turns of the event loop: whatever the other reconcile can do without waiting for this one, it does. */
async function otherTurns(): Promise<void> {
  for (let turn = 0; turn < 5; turn++) await new Promise((resolve) => setImmediate(resolve));
}

describe('carrier2 pushes of a bridge create (the mount and the bridge both push)', () => {
  it('pushes each original pod once when the mount reconciles between two of the bridge’s pushes', async () => {
    const g = await fixtureWithTurns();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    // The bridge's first push changed a pod: its watch wakes the mount, which sees the other pod behind.
    g.carrier.afterNextPush(async () => void (await g.settleMount()));
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    const pods = g.originals().map((pod) => pod.name);
    expect(pods).toHaveLength(2);
    expect(g.pushesWith('bridge-a')).toEqual(Object.fromEntries(pods.map((pod) => [pod, 1])));
  });

  it('pushes each original pod once when the mount reconciles while the bridge’s push is under way', async () => {
    const g = await fixtureWithTurns();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    let mount: Promise<unknown> | undefined;
    g.carrier.beforeNextPush(async () => {
      mount = g.settleMount();
      await otherTurns();
    });
    await g.settleBridge('bridge-a');
    await mount;
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    const pods = g.originals().map((pod) => pod.name);
    expect(g.pushesWith('bridge-a')).toEqual(Object.fromEntries(pods.map((pod) => [pod, 1])));
  });

  it('pushes again after the carrier restarted: the record of the old container instance does not count', async () => {
    const g = await fixtureWithTurns();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    await g.settleBridge('bridge-a');
    const [first] = g.originals();
    g.cluster.restartContainer({ namespace: first!.namespace, name: first!.name, container: 'app' });
    await g.settleMount();
    expect(g.pushesWith('bridge-a')[first!.name]).toBe(2);
  });
});

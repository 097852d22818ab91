import { describe, expect, it } from 'vitest';
import { NAMESPACE, gefyra2, signal } from '../../../../../support/gefyra2-fixture.js';

const BRIDGE = { apiVersion: 'gefyra.dev/v1', kind: 'gefyrabridge' } as const;

/** The GefyraBridges of a client go when it disconnects or is deleted (contract §2); another client's stay. */
describe('GefyraClient and its bridges', () => {
  const setUp = async () => {
    const g = await gefyra2();
    await g.connect('dev-a', '172.18.0.0/16');
    await g.connect('dev-b', '172.19.0.0/16');
    const bridge = (name: string, client: string) =>
      g.cluster.create(
        {
          ...BRIDGE,
          metadata: {
            name,
            namespace: NAMESPACE,
            labels: { 'gefyra.dev/bridge-mount': 'web-mount', 'gefyra.dev/client': client },
          },
          client,
          target: 'web-mount',
        },
        signal(),
      );
    await bridge('bridge-a1', 'dev-a');
    await bridge('bridge-a2', 'dev-a');
    await bridge('bridge-b', 'dev-b');
    const bridges = () =>
      g.cluster
        .objects(BRIDGE)
        .map((object) => object.metadata.name)
        .sort();
    return { g, bridges };
  };

  it('deletes the bridges of a client that disconnects (DISABLING), not another client’s', async () => {
    const { g, bridges } = await setUp();
    await g.setSubnet('dev-a', null);
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('WAITING');
    expect(bridges()).toEqual(['bridge-b']);
  });

  it('deletes the bridges of a deleted client, also when its finalizer was stripped (--force)', async () => {
    const { g, bridges } = await setUp();
    await g.cluster.remove(g.ref('dev-a'), signal());
    await g.settle('dev-a');
    expect(bridges()).toEqual(['bridge-b']);

    await g.cluster.patch(g.ref('dev-b'), { metadata: { finalizers: null } }, signal());
    await g.cluster.remove(g.ref('dev-b'), signal());
    await g.settle('dev-b');
    expect(bridges()).toEqual([]);
  });

  it('deletes the bridges of a connection that reached its maximum age', async () => {
    const g = await gefyra2({ lifecycle: { maxConnectionAgeMs: 3_600_000 } });
    await g.connect('dev-a', '172.18.0.0/16');
    await g.cluster.create(
      {
        ...BRIDGE,
        metadata: { name: 'bridge-a', namespace: NAMESPACE, labels: { 'gefyra.dev/client': 'dev-a' } },
        client: 'dev-a',
      },
      signal(),
    );
    g.clock.advance(3_600_000);
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('WAITING');
    expect(g.cluster.objects(BRIDGE)).toEqual([]);
  });
});

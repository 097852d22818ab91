import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { WatchEvent, WatchSource, WatchSpec } from '../../src/adapters/runtime/watch-source.js';
import type { ClusterApi, Manifest } from '../../src/ports/cluster-api.port.js';
import { signal } from './contract-helpers.js';
import { eventually } from '../support/waiting.js';

/**
 * What every WatchSource must deliver to the runtime, so that the runtime's
 * unit tests on InMemoryWatchSource hold for KubernetesWatchSource on a real
 * API server: the existing objects as ADDED before `synced`, then every
 * change to a selected object in order, nothing after `stop`.
 */
export interface WatchSourceContractFixture {
  readonly source: WatchSource;
  /** Writes the objects the watches see. */
  readonly api: ClusterApi;
  /** Two existing namespaces of this test, empty at its start. */
  readonly namespace: string;
  readonly otherNamespace: string;
  teardown(): Promise<void>;
}

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;

export function describeWatchSourceContract(label: string, setup: () => Promise<WatchSourceContractFixture>): void {
  describe(`WatchSource contract: ${label}`, () => {
    let fixture: WatchSourceContractFixture;
    const stops: (() => Promise<void>)[] = [];
    beforeEach(async () => {
      fixture = await setup();
    });
    afterEach(async () => {
      for (const stop of stops.splice(0)) await stop();
      await fixture.teardown();
    });

    const configMap = (namespace: string, name: string, labels: Record<string, string> = {}): Manifest => ({
      ...CONFIG_MAP,
      metadata: { name, namespace, labels },
      data: { a: '1' },
    });
    /** Starts a watch and returns its events as `TYPE namespace/name`, as they arrive. */
    async function watch(spec: WatchSpec): Promise<{ events: WatchEvent[]; seen: () => string[] }> {
      const events: WatchEvent[] = [];
      const subscription = fixture.source.watch(spec, (event) => events.push(event));
      stops.push(() => subscription.stop());
      await subscription.synced;
      return {
        events,
        seen: () =>
          events.map((event) => `${event.type} ${event.object.metadata.namespace}/${event.object.metadata.name}`),
      };
    }
    const until = async (seen: () => string[], last: string): Promise<string[]> =>
      await eventually(
        'the last object seen',
        async () => seen(),
        (names) => names.includes(last),
      );

    it('delivers the existing objects as ADDED before synced, then the changes to the selected ones in order', async () => {
      const { api, namespace: ns } = fixture;
      const mark = { watched: 'yes' };
      await api.create(configMap(ns, 'before', mark), signal());
      await api.create(configMap(ns, 'unmarked'), signal());
      const log = await watch({ ...CONFIG_MAP, namespace: ns, labels: mark });
      expect(log.seen()).toEqual([`ADDED ${ns}/before`]);

      await api.create(configMap(ns, 'after', mark), signal());
      await api.patch({ ...CONFIG_MAP, namespace: ns, name: 'after' }, { data: { a: '2' } }, signal());
      await api.create(configMap(ns, 'noise'), signal());
      await api.remove({ ...CONFIG_MAP, namespace: ns, name: 'before' }, signal());
      await until(log.seen, `DELETED ${ns}/before`);

      expect(log.seen()).toEqual([
        `ADDED ${ns}/before`,
        `ADDED ${ns}/after`,
        `MODIFIED ${ns}/after`,
        `DELETED ${ns}/before`,
      ]);
      expect(log.events[2]?.object).toMatchObject({ ...CONFIG_MAP, data: { a: '2' } });
    });

    it('watches one namespace, or every namespace when none is given', async () => {
      const { api, namespace: ns, otherNamespace: other } = fixture;
      const mark = { watched: `across-${ns}` };
      const here = await watch({ ...CONFIG_MAP, namespace: ns, labels: mark });
      const everywhere = await watch({ ...CONFIG_MAP, labels: mark });
      await api.create(configMap(other, 'there', mark), signal());
      await api.create(configMap(ns, 'here', mark), signal());
      await until(here.seen, `ADDED ${ns}/here`);
      await until(everywhere.seen, `ADDED ${ns}/here`);
      expect(here.seen()).toEqual([`ADDED ${ns}/here`]);
      expect(everywhere.seen()).toEqual([`ADDED ${other}/there`, `ADDED ${ns}/here`]);
    });

    it('delivers nothing after stop', async () => {
      const { api, namespace: ns } = fixture;
      const mark = { watched: 'stopped' };
      const stopped: WatchEvent[] = [];
      const subscription = fixture.source.watch({ ...CONFIG_MAP, namespace: ns, labels: mark }, (event) =>
        stopped.push(event),
      );
      await subscription.synced;
      await subscription.stop();
      // A second watch tells when the change has been delivered to watchers.
      const witness = await watch({ ...CONFIG_MAP, namespace: ns, labels: mark });
      await api.create(configMap(ns, 'unseen', mark), signal());
      await until(witness.seen, `ADDED ${ns}/unseen`);
      expect(stopped).toEqual([]);
    });
  });
}

import { describe, expect, it } from 'vitest';
import {
  createInMemoryOperator,
  InMemoryCluster,
  InMemoryRouteStore,
  InMemoryWatchSource,
  ManualClock,
  servicesOf,
  succeeded,
} from '../../../src/testing.js';

// What `gefyra-operator/testing` offers users (README: "Testing your own logic offline"), used as they would.

const signal = new AbortController().signal;

describe('the offline test kit', () => {
  it('composes the whole operator on the in-memory cluster: the boot installs the tunnel and waits for its pod', async () => {
    const operator = await createInMemoryOperator();
    expect(operator.cluster).toBeInstanceOf(InMemoryCluster);
    expect(operator.clock).toBeInstanceOf(ManualClock);
    const outcome = await servicesOf(operator).boot.reconcile(signal);
    expect(outcome.state).toBe('waiting');
    const deployment = operator.cluster.peek({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      namespace: 'gefyra',
      name: 'gefyra-stowaway',
    });
    expect(deployment?.metadata.uid).toBeTruthy();
    await operator.stop();
  });

  it('runs the operator on a cluster the test brings, with pods stored as running and exec through handlers', async () => {
    const clock = new ManualClock();
    const cluster = new InMemoryCluster({ clock });
    const operator = await createInMemoryOperator({ cluster, clock });
    expect(operator.cluster).toBe(cluster);
    const pod = cluster.addPod({
      metadata: { name: 'web', namespace: 'shop' },
      spec: { containers: [{ name: 'web', image: 'nginx:1.25' }] },
    });
    expect(pod).toMatchObject({ phase: 'Running', ready: true });
    expect(pod.containerStatuses[0]).toMatchObject({ ready: true, current: { state: 'running' } });
    cluster.onExec((call) => (call.command[0] === 'hostname' ? succeeded(`${call.pod}\n`) : undefined));
    const target = { namespace: 'shop', name: 'web', container: 'web' };
    expect(await cluster.exec(target, ['hostname'], signal)).toEqual({ exitCode: 0, stdout: 'web\n', stderr: '' });
    expect((await cluster.exec(target, ['unknown'], signal)).exitCode).toBe(127);
    await operator.stop();
  });

  it('offers the route store and the watch source fakes', async () => {
    const routes = new InMemoryRouteStore();
    expect(await routes.load()).toEqual({ routes: [], version: undefined });
    const cluster = new InMemoryCluster({ namespaces: ['shop'] });
    const seen: string[] = [];
    const watch = new InMemoryWatchSource(cluster).watch({ apiVersion: 'v1', kind: 'ConfigMap' }, (event) =>
      seen.push(`${event.type} ${event.object.metadata.name}`),
    );
    await watch.synced;
    await cluster.create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'shop' }, data: {} },
      signal,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(seen).toEqual(['ADDED settings']);
    await watch.stop();
  });
});

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KubernetesClusterApi,
  KubernetesWatchSource,
  ListWatchLoop,
  WatchExpiredError,
  type Watcher,
} from '../../../src/adapters/kubernetes/client/index.js';
import type { WatchSpec } from '../../../src/adapters/runtime/watch-source.js';
import { DomainError } from '../../../src/domain/errors.js';
import { useControlPlane, useNamespaceOfEachTest } from '../../support/control-plane/vitest.js';
import { configMap, EventLog, never, withServer } from './fixtures.js';
import { eventually } from '../../support/waiting.js';
import { TcpProxy } from './tcp-proxy.js';
import { installTestCrds, WIDGET } from './test-crd.js';

describe('KubernetesWatchSource', () => {
  const cluster = useControlPlane();
  // Each test watches namespaces of its own: a watch of every Widget in a namespace sees no other test's.
  const namespace = useNamespaceOfEachTest('watch');
  const other = useNamespaceOfEachTest('watch-other');
  const api = () => new KubernetesClusterApi(cluster.adminKubeConfig());
  const ns = () => namespace.name;
  const ref = (name: string, namespaceName = ns()) => ({
    apiVersion: 'v1',
    kind: 'ConfigMap',
    namespace: namespaceName,
    name,
  });

  beforeAll(async () => await installTestCrds(api()));

  it('lists existing objects as ADDED, then delivers ADDED, MODIFIED and DELETED for the selected ones', async () => {
    const label = { watched: 'basic' };
    await api().create(configMap(ns(), 'pre', { a: '1' }, label), never);
    const log = new EventLog();
    const subscription = new KubernetesWatchSource(cluster.adminKubeConfig()).watch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns(), labels: label },
      log.onEvent,
      log.onError,
    );
    try {
      await subscription.synced;
      expect(log.summary()).toEqual(['ADDED pre']);

      await api().create(configMap(ns(), 'noise', {}), never);
      await api().create(configMap(ns(), 'fresh', { a: '1' }, label), never);
      await api().patch(ref('fresh'), { data: { a: '2' } }, never);
      await api().remove(ref('pre'), never);
      await log.untilEvent('DELETED', 'pre');

      expect(log.summary()).toEqual(['ADDED pre', 'ADDED fresh', 'MODIFIED fresh', 'DELETED pre']);
      expect(log.events[2]?.object).toMatchObject({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { namespace: ns() },
        data: { a: '2' },
      });
      expect(log.events[2]?.object.metadata).not.toHaveProperty('managedFields');
      expect(log.errors).toEqual([]);
    } finally {
      await subscription.stop();
    }
  });

  it('watches all namespaces', async () => {
    const label = { watched: `all-${ns()}` };
    const log = new EventLog();
    const subscription = new KubernetesWatchSource(cluster.adminKubeConfig()).watch(
      { apiVersion: 'v1', kind: 'ConfigMap', labels: label },
      log.onEvent,
      log.onError,
    );
    try {
      await subscription.synced;
      await api().create(configMap(ns(), 'here', {}, label), never);
      await api().create(configMap(other.name, 'there', {}, label), never);
      await log.untilEvent('ADDED', 'there');
      expect(
        log.events.map((event) => `${event.type} ${event.object.metadata.namespace}/${event.object.metadata.name}`),
      ).toEqual([`ADDED ${ns()}/here`, `ADDED ${other.name}/there`]);
    } finally {
      await subscription.stop();
    }
  });

  it('watches a custom kind through a finalizer-held deletion', async () => {
    const log = new EventLog();
    const subscription = new KubernetesWatchSource(cluster.adminKubeConfig()).watch(
      { ...WIDGET, namespace: ns() },
      log.onEvent,
      log.onError,
    );
    const widget = { ...WIDGET, namespace: ns(), name: 'watched' };
    try {
      await subscription.synced;
      await api().create(
        {
          ...WIDGET,
          metadata: { name: 'watched', namespace: ns(), finalizers: ['adaptertest.gefyra.dev/hold'] },
          spec: {},
        },
        never,
      );
      await api().patch(widget, { status: { phase: 'Ready' } }, never, { subresource: 'status' });
      await api().remove(widget, never);
      await log.until('deletionTimestamp seen', () =>
        log.events.some((event) => event.object.metadata.deletionTimestamp !== undefined),
      );
      await api().patch(widget, { metadata: { finalizers: null } }, never);
      await log.untilEvent('DELETED', 'watched');

      expect(log.summary(['watched'])).toEqual([
        'ADDED watched',
        'MODIFIED watched',
        'MODIFIED watched',
        'DELETED watched',
      ]);
      expect(log.events[1]?.object['status']).toEqual({ phase: 'Ready' });
      expect(log.events.every((event) => event.object.kind === 'Widget')).toBe(true);
    } finally {
      await subscription.stop();
    }
  });

  it('resumes after the connection is cut, without losing or repeating events', async () => {
    const proxy = new TcpProxy(cluster.server);
    await proxy.start();
    const log = new EventLog();
    const label = { watched: 'dropped' };
    const source = new KubernetesWatchSource(withServer(cluster.adminKubeConfig(), proxy.url), undefined, {
      backoff: { initialMs: 200, maxMs: 400 },
    });
    const subscription = source.watch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns(), labels: label },
      log.onEvent,
      log.onError,
    );
    try {
      await api().create(configMap(ns(), 'before', {}, label), never);
      await subscription.synced;
      await log.untilEvent('ADDED', 'before');

      expect(proxy.dropAll()).toBeGreaterThan(0);
      await api().create(configMap(ns(), 'during', {}, label), never);
      await api().patch(ref('before'), { data: { changed: 'yes' } }, never);
      await api().remove(ref('before'), never);
      await log.untilEvent('DELETED', 'before');

      expect(log.summary()).toEqual(['ADDED before', 'ADDED during', 'MODIFIED before', 'DELETED before']);
      // A cut connection can look like a clean end of the stream; if it was seen as a failure, it says so.
      expect(log.errors.every((error) => error instanceof DomainError && error.kind === 'Unavailable')).toBe(true);
    } finally {
      await subscription.stop();
      await proxy.stop();
    }
  });

  it('resumes from the last version each time the server ends the watch', async () => {
    const log = new EventLog();
    const label = { watched: 'timeouts' };
    const subscription = new KubernetesWatchSource(cluster.adminKubeConfig(), undefined, {
      watchTimeoutSeconds: 1,
    }).watch({ apiVersion: 'v1', kind: 'ConfigMap', namespace: ns(), labels: label }, log.onEvent, log.onError);
    try {
      await subscription.synced;
      for (let i = 0; i < 5; i++) {
        await api().create(configMap(ns(), `tick-${i}`, {}, label), never);
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
      await log.untilEvent('ADDED', 'tick-4');
      expect(log.summary()).toEqual([0, 1, 2, 3, 4].map((i) => `ADDED tick-${i}`));
      expect(log.errors).toEqual([]);
    } finally {
      await subscription.stop();
    }
  });

  it('lists again when the server answers 410 Gone, emitting what changed meanwhile', async () => {
    // A custom kind: its watch cache began when the CRD was established, so
    // version 1 is older than anything it holds and the server answers 410.
    // (The ConfigMap cache of a young cluster still reaches back to version 1.)
    const spec: WatchSpec = { ...WIDGET, namespace: ns(), labels: { watched: 'expired' } };
    const widget = (name: string, size = 1) => ({
      ...WIDGET,
      metadata: { name, namespace: ns(), labels: { watched: 'expired' } },
      spec: { size },
    });
    const widgetRef = (name: string) => ({ ...WIDGET, namespace: ns(), name });
    await api().create(widget('stays'), never);
    await api().create(widget('changes'), never);
    await api().create(widget('vanishes'), never);
    const source = new KubernetesWatchSource(cluster.adminKubeConfig());
    const realWatcher = source.watcher(spec);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const versions: string[] = [];
    let expired: unknown;
    // The first connection waits while the world changes, then asks for a
    // version the server no longer has.
    const watcher: Watcher = async (resourceVersion, onEvent, signal) => {
      versions.push(resourceVersion);
      if (versions.length > 1) return await realWatcher(resourceVersion, onEvent, signal);
      await gate;
      return await realWatcher('1', onEvent, signal).catch((error: unknown) => {
        expired = error;
        throw error;
      });
    };
    const log = new EventLog();
    const loop = new ListWatchLoop(source.lister(spec), watcher, log.onEvent, log.onError);
    try {
      await loop.synced;
      expect(log.summary().sort()).toEqual(['ADDED changes', 'ADDED stays', 'ADDED vanishes']);
      await api().patch(widgetRef('changes'), { spec: { size: 2 } }, never);
      await api().remove(widgetRef('vanishes'), never);
      await api().create(widget('appears'), never);
      release();
      await log.untilEvent('ADDED', 'appears');

      expect(expired).toBeInstanceOf(WatchExpiredError);
      // Deletions first, then the new list in its (name) order.
      expect(log.summary().slice(3)).toEqual(['DELETED vanishes', 'ADDED appears', 'MODIFIED changes']);
      expect(versions).toHaveLength(2);
      expect(log.errors).toEqual([]);

      // And it keeps watching from the new list.
      await api().remove(widgetRef('stays'), never);
      await log.untilEvent('DELETED', 'stays');
    } finally {
      await loop.stop();
    }
  });

  describe('stopping', () => {
    let proxy: TcpProxy;
    beforeAll(async () => {
      proxy = new TcpProxy(cluster.server);
      await proxy.start();
    });
    afterAll(async () => await proxy.stop());

    it('retries against an unreachable server, reporting each failure, and stops while retrying', async () => {
      await proxy.stop();
      const errors: unknown[] = [];
      const subscription = new KubernetesWatchSource(withServer(cluster.adminKubeConfig(), proxy.url), undefined, {
        backoff: { initialMs: 50, maxMs: 100 },
      }).watch(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns() },
        () => undefined,
        (error) => errors.push(error),
      );
      await eventually('a second failed attempt', async () => (errors.length >= 2 ? true : undefined));
      await subscription.stop();
      await subscription.synced;
      expect((errors[0] as DomainError).message).toContain(`cannot reach the Kubernetes API server at ${proxy.url}`);
    });

    it('stop() ends the backoff wait instead of sitting it out', async () => {
      await proxy.stop();
      let failed: () => void = () => undefined;
      const firstFailure = new Promise<void>((resolve) => (failed = resolve));
      // An hour's wait after the first failure: stop() resolving within the test's timeout shows it aborted the wait.
      const subscription = new KubernetesWatchSource(withServer(cluster.adminKubeConfig(), proxy.url), undefined, {
        backoff: { initialMs: 3_600_000 },
      }).watch(
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: ns() },
        () => undefined,
        () => failed(),
      );
      await firstFailure;
      await subscription.stop();
      await subscription.synced;
    });

    it('leaves nothing behind that keeps a process alive', async () => {
      const script = fileURLToPath(new URL('./watch-exit-check.ts', import.meta.url));
      const child = spawn('npx', ['tsx', script, cluster.kubeconfigPath, ns()], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      const exitCode = await new Promise<number | null>((resolve) => {
        const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        child.on('exit', (code) => {
          clearTimeout(timer);
          resolve(code);
        });
      });
      expect(output).toContain('stopped');
      // Counted, not timed: no timer of the watch is left once stop() resolved (a socket left would keep the process from exiting).
      expect(output).toContain('timers left: 0');
      expect(exitCode).toBe(0);
    });
  });
});

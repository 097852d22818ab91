import { CoreV1Api } from '@kubernetes/client-node';
import { beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { isDomainError } from '../../../src/domain/errors.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { configMap, failure, never } from './fixtures.js';
import { GADGET, installTestCrds, WIDGET } from './test-crd.js';

const statusOf = (manifest: Manifest | undefined): unknown => manifest?.['status'];
const specOf = (manifest: Manifest | undefined): unknown => manifest?.['spec'];

describe('KubernetesClusterApi objects', () => {
  const cluster = useControlPlane();
  const namespace = useTestNamespace('objects');
  const operator = () => new KubernetesClusterApi(cluster.adminKubeConfig());
  const someoneElse = () => new KubernetesClusterApi(cluster.adminKubeConfig(), 'someone-else');
  const ns = () => namespace.name;

  beforeAll(async () => await installTestCrds(operator()));

  describe('server-side apply', () => {
    it('creates, updates, and records the operator as field manager', async () => {
      const api = operator();
      const created = await api.apply(configMap(ns(), 'ssa', { a: '1' }), never);
      const updated = await api.apply(configMap(ns(), 'ssa', { a: '2', b: '3' }), never);

      expect(updated.metadata.uid).toBe(created.metadata.uid);
      expect(updated['data']).toEqual({ a: '2', b: '3' });
      // Manifests leave managedFields out; read them raw to see who owns what.
      const raw = await cluster
        .adminKubeConfig()
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ namespace: ns(), name: 'ssa' });
      expect(raw.metadata?.managedFields?.map((entry) => [entry.manager, entry.operation])).toEqual([
        ['gefyra-operator', 'Apply'],
      ]);
      expect(created.metadata).not.toHaveProperty('managedFields');
    });

    it('leaves fields owned by another manager alone and drops the ones it stopped naming', async () => {
      await operator().apply(configMap(ns(), 'shared', { mine: '1', dropped: 'x' }), never);
      await someoneElse().apply(configMap(ns(), 'shared', { theirs: '2' }), never);

      const after = await operator().apply(configMap(ns(), 'shared', { mine: '10' }), never);

      expect(after['data']).toEqual({ mine: '10', theirs: '2' });
    });

    it('takes over a field another manager set (force), without a conflict', async () => {
      await someoneElse().apply(configMap(ns(), 'contested', { key: 'theirs' }), never);
      const after = await operator().apply(configMap(ns(), 'contested', { key: 'ours' }), never);
      expect(after['data']).toEqual({ key: 'ours' });
    });

    it('accepts a manifest read back from the server', async () => {
      const api = operator();
      const live = await api.apply(configMap(ns(), 'round-trip', { a: '1' }), never);
      const again = await api.apply({ ...live, data: { a: '2' } }, never);
      expect(again['data']).toEqual({ a: '2' });
    });
  });

  describe('custom resources', () => {
    const widget = (name: string, extra: Record<string, unknown> = {}): Manifest => ({
      ...WIDGET,
      metadata: { name, namespace: ns() },
      spec: { size: 1 },
      ...extra,
    });
    const widgetRef = (name: string) => ({ ...WIDGET, namespace: ns(), name });

    it('writes status only through the status subresource of a CRD', async () => {
      const api = operator();
      const created = await api.create(widget('w1', { status: { phase: 'ignored on create' } }), never);
      expect(statusOf(created)).toBeUndefined();

      const main = await api.patch(widgetRef('w1'), { spec: { size: 2 }, status: { phase: 'ignored on main' } }, never);
      expect(specOf(main)).toEqual({ size: 2 });
      expect(statusOf(main)).toBeUndefined();

      const status = await api.patch(
        widgetRef('w1'),
        { spec: { size: 3 }, status: { phase: 'Ready', count: 1 } },
        never,
        { subresource: 'status' },
      );
      expect(statusOf(status)).toEqual({ phase: 'Ready', count: 1 });
      expect(specOf(status)).toEqual({ size: 2 });

      const merged = await api.patch(widgetRef('w1'), { status: { count: null, note: 'merged' } }, never, {
        subresource: 'status',
      });
      expect(statusOf(merged)).toEqual({ phase: 'Ready', note: 'merged' });
      expect(merged.metadata.generation).toBe(2);
    });

    it('makes a status patch conditional on metadata.resourceVersion', async () => {
      const api = operator();
      const created = await api.create(widget('w2'), never);
      await api.patch(
        widgetRef('w2'),
        { metadata: { resourceVersion: created.metadata.resourceVersion }, status: { phase: 'A' } },
        never,
        { subresource: 'status' },
      );

      const stale = await failure(
        api.patch(
          widgetRef('w2'),
          { metadata: { resourceVersion: created.metadata.resourceVersion }, status: { phase: 'B' } },
          never,
          { subresource: 'status' },
        ),
      );

      expect(stale.kind).toBe('Conflict');
      expect(stale.retryable).toBe(true);
      expect(statusOf(await api.find(widgetRef('w2'), never))).toEqual({ phase: 'A' });
    });

    it('conflicts on replace with a stale resourceVersion', async () => {
      const api = operator();
      const created = await api.create(widget('w3'), never);
      await api.replace({ ...created, spec: { size: 5 } }, never);

      const stale = await failure(api.replace({ ...created, spec: { size: 6 } }, never));

      expect(stale.kind).toBe('Conflict');
      expect(stale.message).toContain(`widgets.adaptertest.gefyra.dev "w3" in namespace ${ns()}`);
      expect(specOf(await api.find(widgetRef('w3'), never))).toEqual({ size: 5 });
    });

    it('holds an object with a finalizer until the finalizer is removed', async () => {
      const api = operator();
      const created = await api.create(
        widget('held', { metadata: { name: 'held', namespace: ns(), finalizers: ['adaptertest.gefyra.dev/hold'] } }),
        never,
      );

      await api.remove(widgetRef('held'), never, { uid: created.metadata.uid ?? '' });
      const deleting = await api.find(widgetRef('held'), never);
      expect(deleting?.metadata.deletionTimestamp).toBeTruthy();

      // While deleting, status can still be written (a reconciler records its cleanup), but no finalizer added.
      await api.patch(widgetRef('held'), { status: { phase: 'CleaningUp' } }, never, { subresource: 'status' });
      const refused = await failure(
        api.patch(
          widgetRef('held'),
          { metadata: { finalizers: ['adaptertest.gefyra.dev/hold', 'another/one'] } },
          never,
        ),
      );
      expect(refused.kind).toBe('Invalid');

      await api
        .patch(
          widgetRef('held'),
          { metadata: { resourceVersion: deleting?.metadata.resourceVersion, finalizers: null } },
          never,
        )
        .catch(async (error: unknown) => {
          // The status write above moved the version on: a conditional patch must be re-read.
          if (!isDomainError(error, 'Conflict')) throw error;
          const fresh = await api.find(widgetRef('held'), never);
          await api.patch(
            widgetRef('held'),
            { metadata: { resourceVersion: fresh?.metadata.resourceVersion, finalizers: null } },
            never,
          );
        });
      expect(await api.find(widgetRef('held'), never)).toBeUndefined();
    });

    it('handles a cluster-scoped kind, ignoring a namespace given by mistake', async () => {
      const api = operator();
      const name = `gadget-${ns()}`;
      try {
        const created = await api.apply(
          { ...GADGET, metadata: { name, namespace: ns(), labels: { run: ns() } }, spec: { colour: 'red' } },
          never,
        );
        expect(created.metadata.namespace).toBeUndefined();
        expect(await api.find({ ...GADGET, name }, never)).toMatchObject({ spec: { colour: 'red' } });
        expect(await api.find({ ...GADGET, name, namespace: 'whatever' }, never)).toMatchObject({
          spec: { colour: 'red' },
        });
        expect((await api.list(GADGET, ns(), { run: ns() }, never)).map((item) => item.metadata.name)).toEqual([name]);
      } finally {
        await api.remove({ ...GADGET, name }, never);
      }
    });

    it('lists custom objects with apiVersion and kind on every item', async () => {
      const items = await operator().list(WIDGET, ns(), undefined, never);
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(item).toMatchObject(WIDGET);
    });
  });

  describe('failures', () => {
    it('fills in apiVersion and kind on items of built-in lists', async () => {
      await operator().apply(configMap(ns(), 'listed', {}), never);
      const items = await operator().list({ apiVersion: 'v1', kind: 'ConfigMap' }, ns(), undefined, never);
      for (const item of items) expect(item).toMatchObject({ apiVersion: 'v1', kind: 'ConfigMap' });
    });

    it('reports a kind the server does not serve as NotFound, also from find', async () => {
      const api = operator();
      const unknownGroup = await failure(
        api.find({ apiVersion: 'nothing.gefyra.dev/v1', kind: 'Thing', name: 'x', namespace: ns() }, never),
      );
      expect(unknownGroup.kind).toBe('NotFound');
      expect(unknownGroup.message).toContain('CustomResourceDefinition');
      const unknownKind = await failure(api.list({ apiVersion: 'v1', kind: 'Gizmo' }, ns(), undefined, never));
      expect(unknownKind.message).toContain('kind Gizmo in v1');
    });

    it('refuses an object of a namespaced kind without a namespace', async () => {
      const error = await failure(
        operator().create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'nowhere' } }, never),
      );
      expect(error.kind).toBe('Invalid');
      expect(error.message).toContain('metadata.namespace is required');
    });

    it('reports validation failures as Invalid with the field, and redacts values of Secrets', async () => {
      const api = operator();
      const invalid = await failure(api.create(configMap(ns(), 'Not_A_Name', {}), never));
      expect(invalid.kind).toBe('Invalid');
      expect(invalid.retryable).toBe(false);
      expect(invalid.message).toContain('metadata.name');

      const secret = await failure(
        api.create(
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'bad', namespace: ns() },
            data: { 'hunter2 key!': 'c2VjcmV0' },
          },
          never,
        ),
      );
      expect(secret.kind).toBe('Invalid');
      expect(secret.message).toContain('Invalid value: <redacted>');
      expect(secret.message).not.toContain('"hunter2 key!"');
    });

    it('names the object when it already exists', async () => {
      const api = operator();
      await api.apply(configMap(ns(), 'twice', {}), never);
      const error = await failure(api.create(configMap(ns(), 'twice', {}), never));
      expect(error.kind).toBe('AlreadyExists');
      expect(error.message).toBe('configmaps "twice" already exists');
    });

    it('stops on an aborted signal and reports a timed-out signal as Timeout', async () => {
      const api = operator();
      expect(
        (await failure(api.list({ apiVersion: 'v1', kind: 'ConfigMap' }, ns(), undefined, AbortSignal.abort()))).kind,
      ).toBe('Aborted');
      const controller = new AbortController();
      const pending = api.list({ apiVersion: 'v1', kind: 'Pod' }, undefined, undefined, controller.signal);
      controller.abort();
      expect((await failure(pending)).kind).toBe('Aborted');
      const timedOut = AbortSignal.timeout(1);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(
        (await failure(api.find({ apiVersion: 'v1', kind: 'ConfigMap', name: 'x', namespace: ns() }, timedOut))).kind,
      ).toBe('Timeout');
    });
  });
});

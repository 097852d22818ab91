import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/domain/cluster/pod.js';
import type { ClusterApi, Manifest, ObjectRef } from '../../src/ports/cluster-api.port.js';
import type { ExecHandler } from '../../src/adapters/in-memory/exec-handler.js';
import { expectKind, signal } from './contract-helpers.js';
import { eventually } from '../support/waiting.js';

/**
 * What every ClusterApi must do, asserted only on behaviour a real API server
 * (1.20 and later) has, so the same suite runs against the in-memory fake
 * (and the simulated cluster built on it) in the unit run and against
 * KubernetesClusterApi on the local control plane. What needs a kubelet or
 * controllers is in cluster-controllers.contract.ts.
 */
export interface ClusterContractFixture {
  readonly api: ClusterApi;
  /** An existing namespace of this test (fresh per test or per suite). */
  readonly namespace: string;
  /** Creates a pod and waits until it runs and is ready, with container statuses as a kubelet reports them. */
  createRunningPod(manifest: Manifest): Promise<Pod>;
  /** Registers an exec handler for the containers of this fixture. */
  onExec(handler: ExecHandler): void;
  teardown(): Promise<void>;
}

const data = (manifest: Manifest | undefined): unknown => manifest?.['data'];

export function describeClusterApiContract(label: string, setup: () => Promise<ClusterContractFixture>): void {
  describe(`ClusterApi contract: ${label}`, () => {
    let fixture: ClusterContractFixture;
    let api: ClusterApi;
    let ns: string;
    const configMap = (name: string, values: Record<string, string>, labels?: Record<string, string>): Manifest => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, ...(labels ? { labels } : {}) },
      data: values,
    });
    const refTo = (kind: string, name: string, apiVersion = 'v1'): ObjectRef => ({
      apiVersion,
      kind,
      name,
      namespace: ns,
    });

    beforeEach(async () => {
      fixture = await setup();
      api = fixture.api;
      ns = fixture.namespace;
    });
    afterEach(async () => {
      await fixture.teardown();
    });

    describe('find and list', () => {
      it('finds nothing for an absent object and the object once created', async () => {
        expect(await api.find(refTo('ConfigMap', 'absent'), signal())).toBeUndefined();
        await api.create(configMap('present', { a: '1' }), signal());
        const found = await api.find(refTo('ConfigMap', 'present'), signal());
        expect(found).toMatchObject({
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'present', namespace: ns },
          data: { a: '1' },
        });
        expect(found?.metadata.uid).toBeTruthy();
        expect(found?.metadata.resourceVersion).toBeTruthy();
        expect(found?.metadata.creationTimestamp).toBeTruthy();
      });

      it('lists by namespace, across namespaces and by labels', async () => {
        const other = `${ns}-other`;
        const mark = { 'contract.gefyra.dev/run': ns };
        await api.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: other } }, signal());
        try {
          await api.create(configMap('here-marked', {}, { ...mark, colour: 'red' }), signal());
          await api.create(configMap('here-blue', {}, { ...mark, colour: 'blue' }), signal());
          await api.create(
            {
              ...configMap('there-marked', {}, { ...mark, colour: 'red' }),
              metadata: { name: 'there-marked', namespace: other, labels: { ...mark, colour: 'red' } },
            },
            signal(),
          );
          const names = (list: Manifest[]): string[] =>
            list.map((item) => `${item.metadata.namespace}/${item.metadata.name}`).sort();
          const kind = { apiVersion: 'v1', kind: 'ConfigMap' };

          expect(names(await api.list(kind, ns, mark, signal()))).toEqual([`${ns}/here-blue`, `${ns}/here-marked`]);
          expect(names(await api.list(kind, ns, { ...mark, colour: 'red' }, signal()))).toEqual([`${ns}/here-marked`]);
          expect(names(await api.list(kind, undefined, { ...mark, colour: 'red' }, signal()))).toEqual(
            [`${ns}/here-marked`, `${other}/there-marked`].sort(),
          );
          expect(names(await api.list(kind, ns, undefined, signal()))).toEqual(
            expect.arrayContaining([`${ns}/here-blue`, `${ns}/here-marked`]),
          );
        } finally {
          await api.remove({ apiVersion: 'v1', kind: 'Namespace', name: other }, signal());
        }
      });

      it('stops at once on an aborted signal', async () => {
        await expectKind(api.find(refTo('ConfigMap', 'any'), AbortSignal.abort()), 'Aborted');
      });
    });

    describe('apply', () => {
      it('creates, then brings the named fields to the desired values and keeps labels set by others', async () => {
        const created = await api.apply(configMap('applied', { a: '1', b: '2' }, { owner: 'operator' }), signal());
        expect(created).toMatchObject({ metadata: { labels: { owner: 'operator' } }, data: { a: '1', b: '2' } });

        await api.patch(
          refTo('ConfigMap', 'applied'),
          { metadata: { labels: { 'added-by': 'someone-else' } } },
          signal(),
        );
        const updated = await api.apply(configMap('applied', { a: '10', b: '2' }, { owner: 'operator' }), signal());

        expect(updated.metadata.uid).toBe(created.metadata.uid);
        expect(updated.metadata.labels).toEqual({ owner: 'operator', 'added-by': 'someone-else' });
        expect(data(updated)).toEqual({ a: '10', b: '2' });
        expect(data(await api.find(refTo('ConfigMap', 'applied'), signal()))).toEqual({ a: '10', b: '2' });
      });

      it('removes a field it applied before and now omits, keeping fields others set', async () => {
        await api.apply(configMap('shrinking', { a: '1', b: '2' }, { owner: 'operator', old: 'yes' }), signal());
        await api.patch(refTo('ConfigMap', 'shrinking'), { data: { c: '3' } }, signal());
        const shrunk = await api.apply(configMap('shrinking', { a: '1' }, { owner: 'operator' }), signal());
        expect(data(shrunk)).toEqual({ a: '1', c: '3' });
        expect(shrunk.metadata.labels).toEqual({ owner: 'operator' });
      });

      it('is idempotent', async () => {
        const first = await api.apply(configMap('twice', { a: '1' }), signal());
        const second = await api.apply(configMap('twice', { a: '1' }), signal());
        expect(second.metadata.uid).toBe(first.metadata.uid);
        expect(data(second)).toEqual({ a: '1' });
      });

      it('replaces a list it names (Service ports)', async () => {
        const service = (port: number): Manifest => ({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'ported', namespace: ns },
          spec: { selector: { app: 'x' }, ports: [{ name: 'main', port, targetPort: port, protocol: 'TCP' }] },
        });
        await api.apply(service(80), signal());
        const updated = await api.apply(service(81), signal());
        const ports = (updated['spec'] as { ports: { port: number }[] }).ports.map((entry) => entry.port);
        expect(ports).toEqual([81]);
      });

      it('bumps a Deployment generation for spec changes, not for label changes', async () => {
        const deployment = (minReadySeconds: number, labels: Record<string, string>): Manifest => ({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'generations', namespace: ns, labels },
          spec: {
            replicas: 0,
            minReadySeconds,
            selector: { matchLabels: { app: 'generations' } },
            template: {
              metadata: { labels: { app: 'generations' } },
              spec: { containers: [{ name: 'main', image: 'nginx:1.25' }] },
            },
          },
        });
        const created = await api.apply(deployment(0, { a: '1' }), signal());
        const relabelled = await api.apply(deployment(0, { a: '2' }), signal());
        const changed = await api.apply(deployment(5, { a: '2' }), signal());
        expect(relabelled.metadata.generation).toBe(created.metadata.generation);
        expect(changed.metadata.generation).toBe((created.metadata.generation ?? 0) + 1);
      });
    });

    describe('create and replace', () => {
      it('refuses to create an object that exists', async () => {
        await api.create(configMap('once', {}), signal());
        await expectKind(api.create(configMap('once', {}), signal()), 'AlreadyExists');
      });

      it('stores Secret stringData as base64 data', async () => {
        await api.create(
          {
            apiVersion: 'v1',
            kind: 'Secret',
            metadata: { name: 'secret', namespace: ns },
            type: 'Opaque',
            stringData: { key: 'value' },
          },
          signal(),
        );
        const secret = await api.find(refTo('Secret', 'secret'), signal());
        expect(secret?.['data']).toEqual({ key: Buffer.from('value').toString('base64') });
        expect(secret?.['stringData']).toBeUndefined();
      });

      it('replaces when the resourceVersion matches and conflicts when it is stale', async () => {
        const created = await api.create(configMap('replaced', { a: '1' }), signal());
        const replaced = await api.replace({ ...created, data: { a: '2' } }, signal());
        expect(data(replaced)).toEqual({ a: '2' });
        expect(replaced.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
        await expectKind(api.replace({ ...created, data: { a: '3' } }, signal()), 'Conflict');
        expect(data(await api.find(refTo('ConfigMap', 'replaced'), signal()))).toEqual({ a: '2' });
      });

      it('refuses a name that is not a DNS subdomain as Invalid', async () => {
        await expectKind(api.create(configMap('Not_A_Name', {}), signal()), 'Invalid');
        await expectKind(api.apply(configMap('also.not.', {}), signal()), 'Invalid');
      });

      it('refuses a label value longer than 63 characters as Invalid', async () => {
        await expectKind(api.create(configMap('long-label', {}, { owner: 'x'.repeat(64) }), signal()), 'Invalid');
        expect(await api.find(refTo('ConfigMap', 'long-label'), signal())).toBeUndefined();
      });

      it('fails to replace an absent object with NotFound', async () => {
        await expectKind(api.replace(configMap('never-created', {}), signal()), 'NotFound');
      });
    });

    describe('patch', () => {
      it('merge-patches: maps merge, null removes, lists are replaced', async () => {
        await api.create(
          {
            ...configMap('patched', { a: '1', b: '2' }),
            metadata: { name: 'patched', namespace: ns, finalizers: ['example.com/one', 'example.com/two'] },
          },
          signal(),
        );
        const patched = await api.patch(
          refTo('ConfigMap', 'patched'),
          { data: { a: null, c: '3' }, metadata: { finalizers: ['example.com/two'] } },
          signal(),
        );
        expect(data(patched)).toEqual({ b: '2', c: '3' });
        expect(patched.metadata.finalizers).toEqual(['example.com/two']);
        await api.patch(refTo('ConfigMap', 'patched'), { metadata: { finalizers: null } }, signal());
      });

      it('is conditional on metadata.resourceVersion', async () => {
        const created = await api.create(configMap('conditional', { a: '1' }), signal());
        const first = await api.patch(
          refTo('ConfigMap', 'conditional'),
          { metadata: { resourceVersion: created.metadata.resourceVersion }, data: { a: '2' } },
          signal(),
        );
        expect(data(first)).toEqual({ a: '2' });
        await expectKind(
          api.patch(
            refTo('ConfigMap', 'conditional'),
            { metadata: { resourceVersion: created.metadata.resourceVersion }, data: { a: '3' } },
            signal(),
          ),
          'Conflict',
        );
        expect(data(await api.find(refTo('ConfigMap', 'conditional'), signal()))).toEqual({ a: '2' });
      });

      it('fails with NotFound for an absent object', async () => {
        await expectKind(api.patch(refTo('ConfigMap', 'nothing'), { data: { a: '1' } }, signal()), 'NotFound');
      });

      it('writes status only through the status subresource', async () => {
        // A LoadBalancer Service: no controller of a bare control plane writes its status.
        await api.create(
          {
            apiVersion: 'v1',
            kind: 'Service',
            metadata: { name: 'balanced', namespace: ns },
            spec: { type: 'LoadBalancer', selector: { app: 'x' }, ports: [{ port: 80, protocol: 'TCP' }] },
          },
          signal(),
        );
        const ingress = (manifest: Manifest | undefined): unknown =>
          (manifest?.['status'] as { loadBalancer?: { ingress?: unknown } } | undefined)?.loadBalancer?.ingress;
        const selector = (manifest: Manifest | undefined): unknown =>
          (manifest?.['spec'] as { selector?: unknown } | undefined)?.selector;

        const main = await api.patch(
          refTo('Service', 'balanced'),
          { spec: { selector: { app: 'y' } }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.9' }] } } },
          signal(),
        );
        expect(selector(main)).toEqual({ app: 'y' });
        expect(ingress(main)).toBeUndefined();

        const status = await api.patch(
          refTo('Service', 'balanced'),
          { spec: { selector: { app: 'z' } }, status: { loadBalancer: { ingress: [{ ip: '203.0.113.10' }] } } },
          signal(),
          { subresource: 'status' },
        );
        expect(ingress(status)).toEqual([{ ip: '203.0.113.10' }]);
        expect(selector(status)).toEqual({ app: 'y' });
        expect(selector(await api.find(refTo('Service', 'balanced'), signal()))).toEqual({ app: 'y' });
      });
    });

    describe('remove', () => {
      it('deletes, and is fine with an absent object', async () => {
        await api.create(configMap('doomed', {}), signal());
        await api.remove(refTo('ConfigMap', 'doomed'), signal());
        expect(await api.find(refTo('ConfigMap', 'doomed'), signal())).toBeUndefined();
        await api.remove(refTo('ConfigMap', 'doomed'), signal());
      });

      it('deletes only the incarnation with the given uid', async () => {
        const created = await api.create(configMap('incarnation', {}), signal());
        await expectKind(api.remove(refTo('ConfigMap', 'incarnation'), signal(), { uid: 'another-uid' }), 'Conflict');
        expect((await api.find(refTo('ConfigMap', 'incarnation'), signal()))?.metadata.uid).toBe(created.metadata.uid);
        await api.remove(refTo('ConfigMap', 'incarnation'), signal(), { uid: created.metadata.uid ?? '' });
        expect(await api.find(refTo('ConfigMap', 'incarnation'), signal())).toBeUndefined();
      });

      it('keeps an object with finalizers, marked for deletion, until they are removed', async () => {
        await api.create(
          { ...configMap('held', {}), metadata: { name: 'held', namespace: ns, finalizers: ['example.com/hold'] } },
          signal(),
        );
        await api.remove(refTo('ConfigMap', 'held'), signal());
        const held = await api.find(refTo('ConfigMap', 'held'), signal());
        expect(held?.metadata.deletionTimestamp).toBeTruthy();
        expect(held?.metadata.finalizers).toEqual(['example.com/hold']);

        await api.remove(refTo('ConfigMap', 'held'), signal());
        expect((await api.find(refTo('ConfigMap', 'held'), signal()))?.metadata.deletionTimestamp).toBe(
          held?.metadata.deletionTimestamp,
        );

        await api.patch(refTo('ConfigMap', 'held'), { metadata: { finalizers: null } }, signal());
        expect(await api.find(refTo('ConfigMap', 'held'), signal())).toBeUndefined();
      });
    });

    describe('garbage collection', () => {
      const ownedConfigMap = (name: string, owners: readonly Manifest[] = []): Manifest => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {
          name,
          namespace: ns,
          ...(owners.length > 0
            ? {
                ownerReferences: owners.map((owner) => ({
                  apiVersion: 'v1',
                  kind: 'ConfigMap',
                  name: owner.metadata.name,
                  uid: owner.metadata.uid,
                })),
              }
            : {}),
        },
        data: {},
      });
      const ref = (name: string): ObjectRef => ({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        namespace: ns,
        name,
      });

      it('deletes a dependent whose only owner is deleted; a dependent with another owner stays, without the reference to the deleted one', async () => {
        const owner = await api.create(ownedConfigMap('gc-owner'), signal());
        const other = await api.create(ownedConfigMap('gc-other-owner'), signal());
        await api.create(ownedConfigMap('gc-only-child', [owner]), signal());
        await api.create(ownedConfigMap('gc-shared-child', [owner, other]), signal());

        await api.remove(ref('gc-owner'), signal());

        expect(
          await eventually(
            'the only child collected',
            async () => await api.find(ref('gc-only-child'), signal()),
            (found) => found === undefined,
          ),
        ).toBeUndefined();
        const shared = await eventually(
          'the shared child keeping one owner',
          async () => await api.find(ref('gc-shared-child'), signal()),
          (found) => found?.metadata.ownerReferences?.length === 1,
        );
        expect(shared?.metadata.ownerReferences).toEqual([
          expect.objectContaining({ name: 'gc-other-owner', uid: other.metadata.uid }),
        ]);
      });
    });

    describe('pods', () => {
      const podManifest = (name: string, labels: Record<string, string> = { app: 'web' }): Manifest => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels },
        spec: {
          containers: [
            {
              name: 'web',
              image: 'nginx:1.25',
              ports: [{ containerPort: 8080, protocol: 'TCP' }],
              readinessProbe: { httpGet: { path: '/', port: 8080 } },
            },
            { name: 'sidecar', image: 'busybox:1.36', command: ['sleep', 'infinity'] },
          ],
        },
      });

      it('finds nothing for an absent pod', async () => {
        expect(await api.findPod({ namespace: ns, name: 'absent' }, signal())).toBeUndefined();
      });

      it('maps a running pod onto the domain view', async () => {
        await fixture.createRunningPod(podManifest('viewed'));
        const pod = await api.findPod({ namespace: ns, name: 'viewed' }, signal());
        expect(pod).toMatchObject({
          namespace: ns,
          name: 'viewed',
          phase: 'Running',
          ready: true,
          deleting: false,
          labels: { app: 'web' },
        });
        expect(pod?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(pod?.containers.map((container) => container.name)).toEqual(['web', 'sidecar']);
        expect(pod?.containers[0]).toMatchObject({
          image: 'nginx:1.25',
          ports: [{ containerPort: 8080, protocol: 'TCP' }],
          probes: { readiness: { kind: 'httpGet', port: 8080 } },
        });
        expect(pod?.containers[1]?.command).toEqual(['sleep', 'infinity']);
        const web = pod?.containerStatuses.find((status) => status.name === 'web');
        expect(web).toMatchObject({ image: 'nginx:1.25', ready: true, restartCount: 0, current: { state: 'running' } });
        expect(web?.imageID).toContain('nginx');
        expect(web?.containerID).toBeTruthy();
      });

      it('lists pods by labels', async () => {
        await fixture.createRunningPod(podManifest('front-1', { app: 'front' }));
        await fixture.createRunningPod(podManifest('back-1', { app: 'back' }));
        const pods = await api.listPods(ns, { app: 'front' }, signal());
        expect(pods.map((pod) => pod.name)).toEqual(['front-1']);
      });

      it('patches annotations and an image in one write', async () => {
        const before = await fixture.createRunningPod({
          ...podManifest('patched'),
          metadata: {
            name: 'patched',
            namespace: ns,
            labels: { app: 'web' },
            annotations: { keep: 'yes', drop: 'me' },
          },
        });
        const patched = await api.patchPod(
          { namespace: ns, name: 'patched' },
          {
            annotations: { 'gefyra.dev/original': '{"image":"nginx:1.25"}', drop: null },
            images: { web: 'quay.io/gefyra/carrier:2.0.0' },
            expectedResourceVersion: before.resourceVersion,
          },
          signal(),
        );
        expect(patched.annotations).toEqual({ keep: 'yes', 'gefyra.dev/original': '{"image":"nginx:1.25"}' });
        expect(patched.containers.find((container) => container.name === 'web')?.image).toBe(
          'quay.io/gefyra/carrier:2.0.0',
        );
        expect(patched.containers.find((container) => container.name === 'sidecar')?.image).toBe('busybox:1.36');
      });

      it('refuses a patch naming a container the pod does not have as Invalid', async () => {
        await fixture.createRunningPod(podManifest('fixed-containers'));
        await expectKind(
          api.patchPod({ namespace: ns, name: 'fixed-containers' }, { images: { absent: 'busybox:1.36' } }, signal()),
          'Invalid',
        );
        const pod = await api.findPod({ namespace: ns, name: 'fixed-containers' }, signal());
        expect(pod?.containers.map((container) => container.name)).toEqual(['web', 'sidecar']);
      });

      it('sets and removes labels with annotations, leaving other labels alone', async () => {
        await fixture.createRunningPod(podManifest('labelled', { app: 'web', tier: 'front' }));
        const labelled = await api.patchPod(
          { namespace: ns, name: 'labelled' },
          { labels: { 'carrier.gefyra.dev/intercepted': 'true', tier: null } },
          signal(),
        );
        expect(labelled.labels).toEqual({ app: 'web', 'carrier.gefyra.dev/intercepted': 'true' });
        expect(
          (await api.listPods(ns, { 'carrier.gefyra.dev/intercepted': 'true' }, signal())).map((pod) => pod.name),
        ).toEqual(['labelled']);
        const unlabelled = await api.patchPod(
          { namespace: ns, name: 'labelled' },
          { labels: { 'carrier.gefyra.dev/intercepted': null } },
          signal(),
        );
        expect(unlabelled.labels).toEqual({ app: 'web' });
      });

      it('refuses a pod patch on a stale resourceVersion', async () => {
        const before = await fixture.createRunningPod(podManifest('stale'));
        await api.patchPod({ namespace: ns, name: 'stale' }, { annotations: { first: '1' } }, signal());
        await expectKind(
          api.patchPod(
            { namespace: ns, name: 'stale' },
            { annotations: { second: '2' }, expectedResourceVersion: before.resourceVersion },
            signal(),
          ),
          'Conflict',
        );
        expect((await api.findPod({ namespace: ns, name: 'stale' }, signal()))?.annotations['second']).toBeUndefined();
      });

      it('fails to patch an absent pod with NotFound', async () => {
        await expectKind(
          api.patchPod({ namespace: ns, name: 'absent' }, { annotations: { a: '1' } }, signal()),
          'NotFound',
        );
      });
    });

    describe('exec', () => {
      const execPod = (name: string): Manifest => ({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: ns, labels: { app: 'exec' } },
        spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] },
      });

      it('returns exit code, stdout and stderr; a non-zero exit is a result', async () => {
        await fixture.createRunningPod(execPod('runner'));
        const seen: string[][] = [];
        fixture.onExec((call) => {
          if (call.pod !== 'runner' || call.command[0] !== 'contract-probe') return undefined;
          seen.push([call.namespace, call.container, ...call.command]);
          return call.command[1] === 'fail'
            ? { exitCode: 3, stdout: 'partial\n', stderr: 'broken\n' }
            : { exitCode: 0, stdout: 'hello\n', stderr: '' };
        });
        const target = { namespace: ns, name: 'runner', container: 'main' };
        expect(await api.exec(target, ['contract-probe', 'ok'], signal())).toEqual({
          exitCode: 0,
          stdout: 'hello\n',
          stderr: '',
        });
        expect(await api.exec(target, ['contract-probe', 'fail'], signal())).toEqual({
          exitCode: 3,
          stdout: 'partial\n',
          stderr: 'broken\n',
        });
        expect(seen).toEqual([
          [ns, 'main', 'contract-probe', 'ok'],
          [ns, 'main', 'contract-probe', 'fail'],
        ]);
      });

      it('exits 127 for a command nobody knows', async () => {
        await fixture.createRunningPod(execPod('unknown-command'));
        const result = await api.exec(
          { namespace: ns, name: 'unknown-command', container: 'main' },
          ['no-such-command-anywhere'],
          signal(),
        );
        expect(result.exitCode).toBe(127);
      });

      it('fails with NotFound for an absent pod', async () => {
        await expectKind(
          api.exec({ namespace: ns, name: 'absent', container: 'main' }, ['true'], signal()),
          'NotFound',
        );
      });
    });
  });
}

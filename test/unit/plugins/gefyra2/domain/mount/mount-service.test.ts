import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../../../../src/domain/cluster/pod.js';
import { DomainError } from '../../../../../../src/domain/errors.js';
import type { CarrierObservation } from '../../../../../../src/ports/carrier-installer.port.js';
import { GEFYRA_FINALIZER } from '../../../../../../src/plugins/gefyra2/domain/lifecycle.js';
import { FAKE_CARRIER_IMAGE, FakeCarrierInstaller } from '../../../../../support/fake-carrier-installer.js';
import {
  bridgesFixture,
  deployment,
  GRACE_MS,
  signal,
  WORKLOAD_NAMESPACE,
} from '../../../../../support/gefyra2-bridges-fixture.js';

const MICROSECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const WEB = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: WORKLOAD_NAMESPACE, name: 'web' } as const;

describe('GefyraBridgeMount service', () => {
  it('takes a mount through PREPARING and INSTALLING to ACTIVE: shadow, Service, HPA copy, every original on the carrier and configured', async () => {
    const g = await bridgesFixture();
    await g.createMount();
    await g.settleMount();
    const mount = g.mount();
    expect(mount?.state).toBe('ACTIVE');
    expect(mount?.finalizers).toContain(GEFYRA_FINALIZER);
    expect(Object.keys(mount?.stateTransitions ?? {}).sort()).toEqual(['ACTIVE', 'INSTALLING', 'PREPARING']);
    for (const at of Object.values(mount?.stateTransitions ?? {})) expect(at).toMatch(MICROSECONDS);

    const shadow = g.peek('Deployment', 'web-gefyra', 'apps/v1');
    const template = (shadow?.['spec'] as { template: { metadata: { labels: Record<string, string> } } }).template;
    expect(template.metadata.labels).toEqual({ app: 'web-gefyra', 'bridge.gefyra.dev/duplication-id': mount?.uid });
    const service = g.peek('Service', 'web-app-gefyra-svc');
    expect(service?.['spec']).toMatchObject({
      selector: { 'bridge.gefyra.dev/duplication-id': mount?.uid },
      ports: [{ name: '8080-0', port: 8080, targetPort: 8080, protocol: 'TCP' }],
    });
    expect(g.peek('HorizontalPodAutoscaler', 'web-gefyra', 'autoscaling/v2')?.['spec']).toMatchObject({
      scaleTargetRef: { kind: 'Deployment', name: 'web-gefyra' },
    });
    expect(g.shadowPods()).toHaveLength(2);

    const originals = g.originals();
    expect(originals).toHaveLength(2);
    for (const pod of originals) {
      expect(pod.containers[0]?.image).toBe(FAKE_CARRIER_IMAGE);
      expect(g.carrier.runningConfiguration(pod)).toMatchObject({
        routes: [],
        fallback: { 8080: ['web-app-gefyra-svc.shop.svc.cluster.local:8080'] },
        probePorts: [9090],
      });
    }
    const reasons = g.events('web-mount').map((event) => event.reason);
    expect(reasons).toEqual(
      expect.arrayContaining([
        'GefyraBridgeMount state change',
        'Cluster upstream (service)',
        'Patching target pod',
        'Update Carrier2',
        'Ready',
      ]),
    );
    expect(reasons.filter((reason) => reason === 'Ready')).toHaveLength(1);
  });

  it('prepares again without rolling the shadow: one stable duplication id (2.5.4 #1247)', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    const before = g
      .shadowPods()
      .map((pod) => pod.uid)
      .sort();
    const version = g.peek('Deployment', 'web-gefyra', 'apps/v1')?.metadata.resourceVersion;
    await g.patchMount({ state: 'RESTORING' });
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(
      g
        .shadowPods()
        .map((pod) => pod.uid)
        .sort(),
    ).toEqual(before);
    expect(g.peek('Deployment', 'web-gefyra', 'apps/v1')?.metadata.resourceVersion).toBe(version);
    expect(g.carrier.installs).toHaveLength(2);
  });

  it('waits in ERROR with an actionable reason when no loaded carrier serves mounts, and touches no pod', async () => {
    const g = await bridgesFixture({
      carriers: (cluster) => [
        new FakeCarrierInstaller(cluster, { name: 'intercepts-only', serves: ['InterceptRequest'] }),
      ],
    });
    await g.createMount();
    await g.settleMount();
    const mount = g.mount();
    expect(mount?.state).toBe('ERROR');
    expect(mount?.failure).toEqual({
      reason: 'NoCarrierLoaded',
      message: expect.stringContaining('add one to GEFYRA_PLUGINS'),
    });
    expect(g.events('web-mount')).toContainEqual(
      expect.objectContaining({ type: 'Warning', reason: 'Failed to install GefyraBridgeMount' }),
    );
    for (const pod of g.originals()) expect(pod.containers[0]?.image).toBe('example.test/shop-web:1');
    // Still no carrier after the 60 s timer: it stays in ERROR without churn.
    const transitions = g.mount()?.stateTransitions;
    g.clock.advance(61_000);
    expect(await g.settleMount()).toEqual({ done: true });
    expect(g.mount()?.state).toBe('ERROR');
    expect(g.mount()?.stateTransitions).toEqual(transitions);
  });

  it('fails with the carrier’s refusal when an original pod cannot take it, and restores 60 s later once it can', async () => {
    const g = await bridgesFixture();
    const [first] = g.originals();
    g.carrier.refuse(first!.name, { reason: 'ProbeNotAnswerable', message: `pod ${first!.name} has an exec probe` });
    await g.createMount();
    await g.settleMount();
    expect(g.mount()?.state).toBe('ERROR');
    expect(g.mount()?.failure).toEqual({
      reason: 'Carrier2NotInstallable',
      message: `pod ${first!.name} has an exec probe`,
    });
    expect(g.events('web-mount')).toContainEqual(
      expect.objectContaining({ reason: 'Failed to install GefyraBridgeMount', type: 'Warning' }),
    );
    expect(await g.settleMount()).toMatchObject({ done: false, requeueAfterMs: 60_000 });
    g.carrier.allow(first!.name);
    g.clock.advance(61_000);
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(Object.keys(g.mount()?.stateTransitions ?? {})).toContain('RESTORING');
  });

  it('ends in ERROR when the carrier refuses the configuration, and retries a push that failed for a moment', async () => {
    const g = await bridgesFixture();
    g.carrier.failNext('configure', new DomainError('Unavailable', 'exec timed out', { retryable: true }));
    await g.createMount();
    await expect(g.settleMount()).rejects.toThrow('exec timed out');
    expect(g.events('web-mount')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        note: expect.stringContaining('pushConfig failed (Unavailable): exec timed out; retrying'),
      }),
    );
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');

    const h = await bridgesFixture();
    h.carrier.failNext(
      'configure',
      new DomainError('Invalid', "thread 'main' panicked at src/main.rs:12: bad config", { retryable: false }),
    );
    await h.createMount();
    await h.settleMount();
    expect(h.mount()?.state).toBe('ERROR');
    expect(h.mount()?.failure).toEqual({
      reason: 'ConfigurationRefused',
      message: "thread 'main' panicked at src/main.rs:12: bad config",
    });
  });

  it('uninstalls when the workload goes (MISSING, bridges kept), prepares again when it is back', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    await g.settleBridge('bridge-a');
    await g.cluster.remove(WEB, signal());
    await g.settleMount();
    expect(g.mount()?.state).toBe('MISSING');
    expect(g.peek('Deployment', 'web-gefyra', 'apps/v1')).toBeUndefined();
    expect(g.peek('Service', 'web-app-gefyra-svc')).toBeUndefined();
    expect(g.peek('HorizontalPodAutoscaler', 'web-gefyra', 'autoscaling/v2')).toBeUndefined();
    expect(g.bridge('bridge-a')).toBeDefined();
    expect(g.events('web-mount')).toContainEqual(
      expect.objectContaining({ reason: 'Target missing', type: 'Warning' }),
    );
    // The bridge waits for the mount to be ACTIVE again.
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('INSTALLING');

    await g.cluster.create(deployment('web', 2), signal());
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(g.events('web-mount')).toContainEqual(expect.objectContaining({ reason: 'Target recovered' }));
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')?.state).toBe('ACTIVE');
    for (const pod of g.originals()) {
      expect(g.carrier.runningConfiguration(pod)?.routes.map((route) => route.selective?.name)).toEqual(['bridge-a']);
    }
  });

  it('removes the mount when its workload stays away past the grace period', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.cluster.remove(WEB, signal());
    expect(await g.settleMount()).toEqual({ done: false, requeueAfterMs: GRACE_MS });
    g.clock.advance(GRACE_MS - 5000);
    expect(await g.settleMount()).toEqual({ done: false, requeueAfterMs: 5000 });
    expect(g.mount()?.state).toBe('MISSING');
    g.clock.advance(5000);
    await g.settleMount();
    expect(g.mount()).toBeUndefined();
    expect(g.events('web-mount').map((event) => event.note)).toContainEqual(
      expect.stringContaining('MISSING → TERMINATED'),
    );
  });

  it('removes the mount at its sunset: the originals get their image back, the shadow goes', async () => {
    const g = await bridgesFixture();
    await g.createMount({ sunset: '2026-12-07T13:00:00Z' });
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    g.clock.advance(3_600_000);
    await g.settleMount();
    expect(g.mount()).toBeUndefined();
    for (const pod of g.originals()) expect(pod.containers[0]?.image).toBe('example.test/shop-web:1');
    expect(g.carrier.restores).toHaveLength(2);
    expect(g.peek('Deployment', 'web-gefyra', 'apps/v1')).toBeUndefined();
    expect(g.peek('Service', 'web-app-gefyra-svc')).toBeUndefined();
  });

  it('resumes from the cluster after a crash between two installs: each original switched once', async () => {
    const g = await bridgesFixture();
    await g.createMount();
    let patches = 0;
    g.cluster.failNext('patchPod', new DomainError('Unavailable', 'the operator crashed here'), () => ++patches === 2);
    await expect(g.settleMount()).rejects.toThrow('the operator crashed here');
    expect(g.carrier.installs).toHaveLength(2);
    expect(g.originals().filter((pod) => pod.containers[0]?.image === FAKE_CARRIER_IMAGE)).toHaveLength(1);
    // A new process: nothing but the cluster to go by.
    const { mountService } = g.newServices();
    await g.settleMount('web-mount', mountService);
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(g.carrier.installs).toHaveLength(3);
    expect(new Set(g.carrier.installs).size).toBe(2);
  });

  it('switches an original pod that appears while ACTIVE without leaving ACTIVE', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.cluster.patch(WEB, { spec: { replicas: 3 } }, signal());
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(g.originals()).toHaveLength(3);
    for (const pod of g.originals()) expect(g.carrier.runningConfiguration(pod)).toBeDefined();
    expect(Object.keys(g.mount()?.stateTransitions ?? {})).not.toContain('RESTORING');
  });

  it('on delete restores the originals and removes the shadow before it releases its finalizer, then deletes its bridges', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    await g.createBridge('bridge-a', [g.headerRule('alice')]);
    await g.settleBridge('bridge-a');
    await g.cluster.remove(g.mountRef(), signal());
    g.cluster.failNext('patchPod', new DomainError('Unavailable', 'API server unavailable'));
    await expect(g.settleMount()).rejects.toThrow('API server unavailable');
    // Not cleaned up: the finalizer holds the mount.
    expect(g.mount()?.deleting).toBe(true);
    expect(g.mount()?.finalizers).toContain(GEFYRA_FINALIZER);
    await g.settleMount();
    expect(g.mount()).toBeUndefined();
    for (const pod of g.originals()) expect(pod.containers[0]?.image).toBe('example.test/shop-web:1');
    expect(g.peek('Deployment', 'web-gefyra', 'apps/v1')).toBeUndefined();
    expect(g.peek('Service', 'web-app-gefyra-svc')).toBeUndefined();
    expect(g.bridge('bridge-a')?.deleting).toBe(true);
    await g.settleBridge('bridge-a');
    expect(g.bridge('bridge-a')).toBeUndefined();
    expect(g.routes.held().size).toBe(0);
  });

  it('fails with ContainerNotFound when the workload has no such container', async () => {
    const g = await bridgesFixture();
    await g.createMount({ targetContainer: 'sidecar' });
    await g.settleMount();
    expect(g.mount()?.failure).toEqual({
      reason: 'ContainerNotFound',
      message: 'Deployment shop/web has no container sidecar; set targetContainer to one of its containers',
    });
    expect(g.peek('Deployment', 'web-gefyra', 'apps/v1')).toBeUndefined();
  });

  it('fails a mount whose target is written wrong and restores it at once when it is written right', async () => {
    const g = await bridgesFixture();
    await g.createMount({ target: 'cronjob/web' });
    await g.settleMount();
    expect(g.mount()?.failure?.reason).toBe('InvalidTarget');
    await g.patchMount({ target: 'deployment/web' });
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
  });

  it('mounts a bare Pod: its copy behind the shadow Service, the Pod itself on the carrier, patched back on delete', async () => {
    const g = await bridgesFixture();
    g.cluster.addPod({
      metadata: { name: 'solo', namespace: WORKLOAD_NAMESPACE, labels: { app: 'solo' } },
      spec: { containers: [{ name: 'app', image: 'example.test/solo:1', ports: [{ containerPort: 8080 }] }] },
    });
    await g.createMount({ target: 'pod/solo' }, 'solo-mount');
    await g.settleMount('solo-mount');
    expect(g.mount('solo-mount')?.state).toBe('ACTIVE');
    const copy = g.cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: 'solo-gefyra' });
    expect(copy?.labels).toEqual({
      app: 'solo-gefyra',
      'bridge.gefyra.dev/duplication-id': g.mount('solo-mount')?.uid,
    });
    expect(copy?.containers[0]?.image).toBe('example.test/solo:1');
    expect(g.cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: 'solo' })?.containers[0]?.image).toBe(
      FAKE_CARRIER_IMAGE,
    );
    // Judged by its duplication id, the copy stays although the Pod now runs the carrier.
    const version = copy?.resourceVersion;
    await g.patchMount({ state: 'RESTORING' }, 'solo-mount');
    await g.settleMount('solo-mount');
    expect(g.cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: 'solo-gefyra' })?.resourceVersion).toBe(version);
    // The Service gone: prepared again, and the copy keeps the Pod's own image, not the carrier's.
    await g.cluster.remove(
      { apiVersion: 'v1', kind: 'Service', namespace: WORKLOAD_NAMESPACE, name: 'solo-app-gefyra-svc' },
      signal(),
    );
    await g.patchMount({ state: 'RESTORING' }, 'solo-mount');
    await g.settleMount('solo-mount');
    expect(g.mount('solo-mount')?.state).toBe('ACTIVE');
    expect(g.peek('Service', 'solo-app-gefyra-svc')).toBeDefined();
    expect(g.cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: 'solo-gefyra' })?.containers[0]?.image).toBe(
      'example.test/solo:1',
    );

    await g.cluster.remove(g.mountRef('solo-mount'), signal());
    await g.settleMount('solo-mount');
    expect(g.mount('solo-mount')).toBeUndefined();
    expect(g.cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: 'solo' })?.containers[0]?.image).toBe(
      'example.test/solo:1',
    );
    expect(g.cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: 'solo-gefyra' })).toBeUndefined();
  });

  it('mounts a StatefulSet', async () => {
    const g = await bridgesFixture();
    const web = deployment('db', 1);
    await g.cluster.create(
      { ...web, kind: 'StatefulSet', spec: { ...(web['spec'] as object), serviceName: 'db' } },
      signal(),
    );
    await g.createMount({ target: 'sts/db' }, 'db-mount');
    await g.settleMount('db-mount');
    expect(g.mount('db-mount')?.state).toBe('ACTIVE');
    expect(g.peek('StatefulSet', 'db-gefyra', 'apps/v1')).toBeDefined();
    expect(g.peek('Service', 'db-app-gefyra-svc')).toBeDefined();
  });

  it('stays in ERROR without new Events while the originals refuse the carrier as they did, until the workload rolls', async () => {
    const g = await bridgesFixture();
    for (const pod of g.originals()) {
      g.carrier.refuse(pod.name, { reason: 'Carrier2NotInstallable', message: `pod ${pod.name} has an exec probe` });
    }
    await g.createMount();
    await g.settleMount();
    expect(g.mount()?.state).toBe('ERROR');
    const told = g.events('web-mount').length;
    for (let check = 0; check < 3; check++) {
      g.clock.advance(61_000);
      expect(await g.settleMount()).toEqual({ done: false, requeueAfterMs: 60_000 });
    }
    expect(g.mount()?.state).toBe('ERROR');
    expect(Object.keys(g.mount()?.stateTransitions ?? {})).not.toContain('RESTORING');
    expect(g.events('web-mount')).toHaveLength(told);
    // A rollout (the probe taken out): new pods, which take the carrier.
    const web = deployment('web', 2);
    const template = (web['spec'] as { template: { spec: { containers: { image: string }[] } } }).template;
    template.spec.containers[0]!.image = 'example.test/shop-web:2';
    await g.cluster.patch(WEB, { spec: { template } }, signal());
    g.clock.advance(61_000);
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    expect(Object.keys(g.mount()?.stateTransitions ?? {})).toContain('RESTORING');
  });

  it('follows a rollout of the workload: Not intact, Change detected, the shadow updated and the new originals switched', async () => {
    const g = await bridgesFixture();
    await g.activeMount();
    const web = deployment('web', 2);
    const template = (web['spec'] as { template: { spec: { containers: { image: string }[] } } }).template;
    template.spec.containers[0]!.image = 'example.test/shop-web:2';
    await g.cluster.patch(WEB, { spec: { template } }, signal());
    await g.settleMount();
    expect(g.mount()?.state).toBe('ACTIVE');
    const reasons = g.events('web-mount').map((event) => event.reason);
    expect(reasons).toEqual(expect.arrayContaining(['Not intact', 'Change detected']));
    const shadow = g.shadowPods();
    expect(shadow.length).toBeGreaterThan(0);
    for (const pod of shadow) expect(pod.containers[0]?.image).toBe('example.test/shop-web:2');
    for (const pod of g.originals()) {
      expect(pod.containers[0]?.image).toBe(FAKE_CARRIER_IMAGE);
      expect(g.carrier.runningConfiguration(pod)).toBeDefined();
    }
  });

  it('fails with CarrierNotRunning when the carrier’s image cannot be pulled, naming the pod and the reason', async () => {
    const g = await bridgesFixture();
    g.cluster.failImagePull(FAKE_CARRIER_IMAGE);
    await g.createMount();
    await g.settleMount();
    g.clock.advance(2000);
    await g.settleMount();
    const mount = g.mount();
    expect(mount?.state).toBe('ERROR');
    expect(mount?.failure?.reason).toBe('CarrierNotRunning');
    expect(mount?.failure?.message).toMatch(
      /selective carrier \(fake\) in pod web-\S+ does not run: (ErrImagePull|ImagePullBackOff)/,
    );
  });

  it('fails with CarrierNotRunning when the carrier does not start within its startup timeout', async () => {
    /** A carrier that is installed but never runs. */
    class NeverStarting extends FakeCarrierInstaller {
      override observe(pod: Pod, container: string): CarrierObservation {
        const seen = super.observe(pod, container);
        return seen.state === 'running'
          ? { state: 'starting', owner: seen.owner, installedAt: seen.installedAt }
          : seen;
      }
    }
    const g = await bridgesFixture({ carriers: (cluster) => [new NeverStarting(cluster)] });
    await g.createMount();
    const reconcile = () => g.mountService.reconcile({ namespace: 'gefyra', name: 'web-mount' }, signal());
    expect(await reconcile()).toEqual({ done: false, requeueAfterMs: 1000 });
    expect(await reconcile()).toEqual({ done: false, requeueAfterMs: 1000 });
    expect(g.mount()?.state).toBe('INSTALLING');
    g.clock.advance(60_000 + 1000);
    await reconcile();
    expect(g.mount()?.failure).toEqual({
      reason: 'CarrierNotRunning',
      message: expect.stringMatching(/^selective carrier \(fake\) did not start in web-\S+, web-\S+ within 60 s$/),
    });
  });
});

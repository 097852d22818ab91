import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { DomainError, isDomainError } from '../../../../src/domain/errors.js';
import type { CarrierConfiguration, CarrierRoute } from '../../../../src/ports/carrier-installer.port.js';
import { Carrier2Installer } from '../../../../src/plugins/carrier2/carrier2-installer.js';
import { readCarrier2Record } from '../../../../src/plugins/carrier2/carrier2-record.js';
import type { Carrier2Settings } from '../../../../src/plugins/carrier2/carrier2-settings.js';
import { SimulatedCluster } from '../../../support/simulated-cluster/index.js';
import { Carrier2Simulator } from '../../../support/simulated-cluster/simulators/carrier2-simulator.js';

const signal = new AbortController().signal;
const owner = { uid: 'mount-uid', request: 'web-app-mount' };
const target = { namespace: 'shop', name: 'web-1', container: 'web' };
const SHADOW = 'web-app-web-gefyra-svc.shop.svc.cluster.local:8080';
const SETTINGS: Carrier2Settings = {
  image: 'quay.io/gefyra/carrier2',
  tag: '2.5.4',
  debug: false,
  startupTimeoutMs: 60_000,
};

const bridgeRoute = (
  name: string,
  since: string,
  user: string,
  proxyPort: number,
  containerPort = 8080,
): CarrierRoute => ({
  containerPort,
  proxyHost: `gefyra-stowaway-proxy-${proxyPort}.gefyra.svc.cluster.local`,
  proxyPort,
  selective: { name, since, rules: [[{ on: 'header', name: 'X-Gefyra-User', value: user, type: 'exact' }]] },
});

const configuration = (routes: CarrierRoute[], fingerprint: string): CarrierConfiguration => ({
  routes,
  probePorts: [8081],
  syncDirectories: [],
  fallback: { 8080: [SHADOW] },
  fingerprint,
});

function setup(settings: Partial<Carrier2Settings> = {}) {
  const clock = new ManualClock(new Date('2026-12-07T10:00:00Z'));
  const cluster = new SimulatedCluster({ clock });
  const carrier2 = new Carrier2Simulator();
  cluster.onExec(carrier2.handle);
  const installer = new Carrier2Installer(cluster, clock, { ...SETTINGS, ...settings });
  const pod = cluster.addPod({
    metadata: {
      name: 'web-1',
      namespace: 'shop',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-app-5d9', uid: 'rs-uid' }],
    },
    spec: {
      containers: [
        {
          name: 'web',
          image: 'shop/web:2',
          command: ['/srv'],
          args: ['-v'],
          ports: [{ containerPort: 8080 }],
          readinessProbe: { httpGet: { path: '/healthz', port: 8081 } },
        },
        { name: 'sidecar', image: 'envoy:1' },
      ],
    },
  });
  const installed = () => installer.install({ pod, container: 'web', owner, handleProbes: true }, signal);
  const observe = () => installer.observe(cluster.peekPod(target)!, 'web');
  return { cluster, clock, carrier2, installer, pod, installed, observe };
}

describe('Carrier2Installer', () => {
  it('serves GefyraBridgeMounts only, under its own name', () => {
    const { installer } = setup();
    expect({ name: installer.name, serves: installer.serves }).toEqual({
      name: 'carrier2',
      serves: ['GefyraBridgeMount'],
    });
  });

  it('swaps only the image (command and args kept) and records the original container and owner in the same write', async () => {
    const { cluster, installer, installed } = setup();
    const patched = await installed();
    expect(patched.containers.map((container) => container.image)).toEqual([
      'quay.io/gefyra/carrier2:2.5.4',
      'envoy:1',
    ]);
    expect(patched.containers[0]).toMatchObject({ command: ['/srv'], args: ['-v'] });
    expect(readCarrier2Record(patched.annotations, 'web')).toEqual({
      owner,
      original: { image: 'shop/web:2', command: ['/srv'], args: ['-v'] },
      installedAt: new Date('2026-12-07T10:00:00Z'),
    });
    expect(patched.labels).toMatchObject(installer.podLabels);
    expect(installer.ownersOf(cluster.peekPod(target)!)).toEqual([owner]);
  });

  it('loses a race cleanly: a pod changed since it was read is not patched', async () => {
    const { cluster, installed } = setup();
    await cluster.patchPod(target, { annotations: { touched: 'yes' } }, signal);
    await expect(installed()).rejects.toSatisfy((error) => isDomainError(error, 'Conflict'));
    expect(cluster.peekPod(target)?.containers[0]?.image).toBe('shop/web:2');
  });

  it('observes absent, starting, running and failing from the pod alone, and an image someone set meanwhile', async () => {
    const { cluster, installer, pod, installed, observe } = setup();
    expect(installer.observe(pod, 'web')).toEqual({ state: 'absent' });
    cluster.stopKubelet();
    await installed();
    expect(observe()).toMatchObject({ state: 'starting', owner, replaced: 'shop/web:2' });
    cluster.startKubelet();
    expect(observe()).toMatchObject({ state: 'running', containerID: expect.stringMatching(/^containerd:\/\//) });
    expect(observe()).not.toHaveProperty('configured');

    const unpull = cluster.failImagePull((image) => image.includes('carrier2'));
    cluster.restartContainer(target);
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier2:2.5.5' } }, signal);
    expect(observe()).toMatchObject({ state: 'failing', reason: expect.stringContaining('ErrImagePull') });
    unpull();
    await cluster.patchPod(target, { images: { web: 'shop/web:3' } }, signal);
    expect(observe()).toMatchObject({ replacedBy: 'shop/web:3' });
  });

  it('observes carrier2 running from an image loaded without a registry: containerd names it only in `image`', async () => {
    const { cluster, installed, installer } = setup();
    await installed();
    const patched = cluster.peekPod(target)!;
    // What a real node's containerd reports for `ctr images import`, `kind load` or `k3d image import`.
    const loaded = (image: string): typeof patched => ({
      ...patched,
      containerStatuses: patched.containerStatuses.map((status) =>
        status.name === 'web' ? { ...status, image, imageID: `sha256:${'c'.repeat(64)}` } : status,
      ),
    });
    expect(installer.observe(loaded('quay.io/gefyra/carrier2:2.5.4'), 'web')).toMatchObject({ state: 'running' });
    // The original image, still running while the kubelet replaces it, is not carrier2.
    expect(installer.observe(loaded('shop/web:2'), 'web')).toMatchObject({ state: 'starting' });
  });

  it('does not take an image of another repository whose name begins like carrier2’s for carrier2', async () => {
    const { cluster, installed, observe } = setup();
    await installed();
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier2-debug:1' } }, signal);
    expect(observe()).toMatchObject({ state: 'starting', replacedBy: 'quay.io/gefyra/carrier2-debug:1' });
  });

  it('pushes the whole configuration with one exec, carrier2 serves it (bridges oldest first), and the pod shows it as configured', async () => {
    const { cluster, carrier2, installer, installed, observe } = setup();
    await installed();
    const wanted = configuration(
      [
        bridgeRoute('bob', '2026-12-07T10:05:00Z', 'bob', 10001),
        bridgeRoute('alice', '2026-12-07T10:01:00Z', 'alice', 10000),
      ],
      'fingerprint-1',
    );
    cluster.clearExecLog();
    await installer.configure(target, wanted, signal);
    expect(cluster.execLog).toHaveLength(1);
    expect(cluster.execLog[0]?.command.slice(0, 2)).toEqual(['busybox', 'sh']);
    const serving = carrier2.stateOf(target)?.serving;
    expect(serving?.listening).toEqual([8080, 8081]);
    expect(serving?.config.proxies[0]?.bridges.map((bridge) => bridge.name)).toEqual(['alice', 'bob']);
    expect(carrier2.route(target, 8080, { pathAndQuery: '/', headers: { 'X-Gefyra-User': 'bob' } })).toMatchObject({
      to: 'bridge',
      endpoint: 'gefyra-stowaway-proxy-10001.gefyra.svc.cluster.local:10001',
    });
    expect(carrier2.route(target, 8080, { pathAndQuery: '/', headers: {} })).toEqual({
      to: 'cluster',
      upstream: [SHADOW],
    });
    expect(observe()).toMatchObject({ state: 'running', configured: 'fingerprint-1' });

    // Taken already by this container instance: nothing is sent again.
    await installer.configure(target, wanted, signal);
    expect(cluster.execLog).toHaveLength(1);
  });

  it('pushes into one container one at a time: the configuration it records is the one carrier2 runs', async () => {
    const { cluster, clock, carrier2, installed, observe } = setup();
    await installed();
    // Execs that take a moment, as over a real connection, and count how many run at once.
    let running = 0;
    let mostAtOnce = 0;
    const slowExecs = new Proxy(cluster, {
      get(target, property) {
        if (property !== 'exec') {
          const value = Reflect.get(target, property, target) as unknown;
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        }
        return async (...args: Parameters<SimulatedCluster['exec']>) => {
          mostAtOnce = Math.max(mostAtOnce, ++running);
          await new Promise((resolve) => setImmediate(resolve));
          try {
            return await target.exec(...args);
          } finally {
            running--;
          }
        };
      },
    });
    const installer = new Carrier2Installer(slowExecs, clock, SETTINGS);
    const first = configuration([bridgeRoute('alice', '2026-12-07T10:01:00Z', 'alice', 10000)], 'fingerprint-a');
    const second = configuration(
      [
        bridgeRoute('alice', '2026-12-07T10:01:00Z', 'alice', 10000),
        bridgeRoute('bob', '2026-12-07T10:05:00Z', 'bob', 10001),
      ],
      'fingerprint-ab',
    );
    // The mount and a bridge push at the same moment.
    await Promise.all([installer.configure(target, first, signal), installer.configure(target, second, signal)]);
    expect(mostAtOnce).toBe(1);
    const serving = carrier2.stateOf(target)?.serving?.config.proxies[0]?.bridges.map((bridge) => bridge.name);
    expect(serving).toEqual(['alice', 'bob']);
    expect(observe()).toMatchObject({ state: 'running', configured: 'fingerprint-ab' });
  });

  it("answers the container's own httpGet probes off the proxied ports, and never listens twice on a proxied port", async () => {
    const { carrier2, installer, installed } = setup();
    await installed();
    const wanted = {
      ...configuration([bridgeRoute('alice', '2026-12-07T10:01:00Z', 'alice', 10000)], 'f'),
      probePorts: [8080],
    };
    await installer.configure(target, wanted, signal);
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([8080, 8081]);
  });

  it('pushes again into a restarted container, which booted on the image’s configuration', async () => {
    const { cluster, carrier2, installer, installed, observe } = setup();
    await installed();
    const wanted = configuration([bridgeRoute('alice', '2026-12-07T10:01:00Z', 'alice', 10000)], 'fingerprint-1');
    await installer.configure(target, wanted, signal);
    cluster.restartContainer(target);
    expect(observe()).toMatchObject({ state: 'running' });
    expect(observe()).not.toHaveProperty('configured');
    await installer.configure(target, wanted, signal);
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([8080, 8081]);
    expect(observe()).toMatchObject({ configured: 'fingerprint-1' });
  });

  it('judges an upgrade by both streams: its bootstrap is written to the exec’s stderr, not to the log', async () => {
    const { cluster, installer, installed } = setup();
    await installed();
    await installer.configure(target, configuration([], 'only-the-shadow'), signal);
    const push = cluster.execLog.at(-1)?.result;
    expect(push?.stderr).toContain('Bootstrap starting');
    expect(push?.stdout).not.toContain('Bootstrap starting');
  });

  it("fails a push carrier2 panics on with carrier2's panic line, not retryable, and no longer claims the configuration before it", async () => {
    const { carrier2, installer, installed, observe } = setup();
    await installed();
    await installer.configure(target, configuration([], 'fingerprint-1'), signal);
    const portless = {
      ...configuration([], 'fingerprint-2'),
      fallback: { 8080: ['web-app-web-gefyra-svc.shop.svc.cluster.local'] },
    };
    await expect(installer.configure(target, portless, signal)).rejects.toMatchObject({
      kind: 'ExecFailed',
      retryable: false,
      message: expect.stringContaining("thread 'main' panicked at src/main.rs:218:77"),
    });
    // The push's SIGQUIT ended the carrier2 that ran the first configuration.
    expect(carrier2.stateOf(target)?.serving).toBeUndefined();
    expect(observe()).not.toHaveProperty('configured');
    await installer.configure(target, configuration([], 'fingerprint-1'), signal);
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([8080, 8081]);
  });

  it('pushes again after a push whose outcome was lost (the connection dropped after it ran): the pod never claimed it', async () => {
    const { cluster, carrier2, installer, installed, observe } = setup();
    await installed();
    const wanted = configuration([bridgeRoute('alice', '2026-12-07T10:01:00Z', 'alice', 10000)], 'fingerprint-1');
    cluster.failExecAfterRunning(
      (call) => call.command[0] === 'busybox',
      new DomainError('Unavailable', 'exec stream closed', { retryable: true }),
    );
    await expect(installer.configure(target, wanted, signal)).rejects.toMatchObject({ kind: 'Unavailable' });
    expect(observe()).not.toHaveProperty('configured');
    await installer.configure(target, wanted, signal);
    expect(cluster.execLog.filter((entry) => entry.command[0] === 'busybox')).toHaveLength(2);
    expect(carrier2.stateOf(target)).toMatchObject({ processes: 1, serving: { listening: [8080, 8081] } });
    expect(observe()).toMatchObject({ configured: 'fingerprint-1' });
  });

  it('refuses to configure a carrier2 that does not run yet', async () => {
    const { cluster, installer, installed } = setup();
    cluster.stopKubelet();
    await installed();
    await expect(installer.configure(target, configuration([], 'f'), signal)).rejects.toMatchObject({
      kind: 'NotReady',
      retryable: true,
    });
    expect(cluster.execLog).toHaveLength(0);
  });

  it('starts carrier2 at debug level when asked (GEFYRA_CARRIER2_DEBUG)', async () => {
    const { cluster, installer, installed } = setup({ debug: true });
    await installed();
    await installer.configure(target, configuration([], 'f'), signal);
    expect(cluster.execLog.at(-1)?.result?.stderr).toContain('DEBUG carrier2] GefyraBridge config:');
  });

  it('restores the original image and removes its records; a pod of another owner or without carrier2 is left alone', async () => {
    const { cluster, installer, installed } = setup();
    await installed();
    await installer.configure(target, configuration([], 'f'), signal);
    await installer.restore(target, { uid: 'other', request: 'x' }, signal);
    expect(cluster.peekPod(target)?.containers[0]?.image).toBe('quay.io/gefyra/carrier2:2.5.4');

    await installer.restore(target, owner, signal);
    const restored = cluster.peekPod(target)!;
    expect(restored.containers[0]).toMatchObject({ image: 'shop/web:2', command: ['/srv'], args: ['-v'] });
    expect(Object.keys(restored.annotations).filter((key) => key.includes('carrier2'))).toEqual([]);
    expect(Object.keys(restored.labels).filter((key) => key.includes('carrier2'))).toEqual([]);
    const version = restored.resourceVersion;
    await installer.restore(target, owner, signal);
    expect(cluster.peekPod(target)?.resourceVersion).toBe(version);
  });

  it('keeps an image someone set while mounted', async () => {
    const { cluster, installer, installed } = setup();
    await installed();
    await cluster.patchPod(target, { images: { web: 'shop/web:3' } }, signal);
    await installer.restore(target, owner, signal);
    expect(cluster.peekPod(target)?.containers[0]?.image).toBe('shop/web:3');
  });

  it('refuses (validate) a pod with more than one owner, a container it lacks, or a probe it cannot answer', () => {
    const { installer, pod } = setup();
    const check = (changed: Partial<typeof pod>, container = 'web') =>
      installer.validate({ pod: { ...pod, ...changed }, container, owner, handleProbes: true });
    expect(check({})).toEqual([]);
    expect(check({ ownerCount: 2 })).toEqual([
      { reason: 'Carrier2NotInstallable', message: expect.stringContaining('has 2 owners') },
    ]);
    expect(check({}, 'db')[0]?.message).toContain('has no container db');
    const web = pod.containers[0]!;
    expect(check({ containers: [{ ...web, probes: { liveness: { kind: 'exec' } } }] })[0]?.message).toContain(
      'liveness (exec)',
    );
  });
});

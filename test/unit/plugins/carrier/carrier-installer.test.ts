import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../../support/simulated-cluster/index.js';
import { ManualClock } from '../../../../src/adapters/system/manual-clock.js';
import { isDomainError } from '../../../../src/domain/errors.js';
import {
  CARRIER_BASE_CONFIG,
  CarrierSimulator,
} from '../../../support/simulated-cluster/simulators/carrier-simulator.js';
import { GefyraCarrierInstaller } from '../../../../src/plugins/carrier/carrier-installer.js';
import { carrierAnnotation, readCarrierRecord } from '../../../../src/plugins/carrier/carrier-record.js';

const signal = new AbortController().signal;
const owner = { uid: 'uid-1', request: 'gefyra/web' };
const target = { namespace: 'shop', name: 'web-1', container: 'web' };

function setup() {
  const clock = new ManualClock(new Date('2026-03-01T10:00:00Z'));
  const cluster = new SimulatedCluster({ clock });
  const installer = new GefyraCarrierInstaller(cluster, clock, {
    image: 'quay.io/gefyra/carrier',
    tag: '0.13.6',
    startupTimeoutMs: 60_000,
  });
  const pod = cluster.addPod({
    metadata: { name: 'web-1', namespace: 'shop' },
    spec: {
      containers: [
        { name: 'web', image: 'shop/web:2', command: ['/srv'], args: ['-v'] },
        { name: 'sidecar', image: 'envoy:1' },
      ],
    },
  });
  return { cluster, clock, installer, pod };
}

describe('GefyraCarrierInstaller', () => {
  it('swaps only the image and records the original container and owner in the same write', async () => {
    const { cluster, installer, pod } = setup();
    const patched = await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);

    expect(patched.containers.map((container) => container.image)).toEqual([
      'quay.io/gefyra/carrier:0.13.6',
      'envoy:1',
    ]);
    expect(patched.containers[0]?.command).toEqual(['/srv']);
    expect(readCarrierRecord(patched.annotations, 'web')).toEqual({
      owner,
      original: { image: 'shop/web:2', command: ['/srv'], args: ['-v'] },
      installedAt: new Date('2026-03-01T10:00:00Z'),
    });
    expect(patched.labels).toMatchObject(installer.podLabels);
    expect(installer.ownersOf(cluster.peekPod(target)!)).toEqual([owner]);
  });

  it('loses a race cleanly: a pod changed since it was read is not patched', async () => {
    const { cluster, installer, pod } = setup();
    await cluster.patchPod(target, { annotations: { touched: 'yes' } }, signal);
    await expect(installer.install({ pod, container: 'web', owner, handleProbes: false }, signal)).rejects.toSatisfy(
      (error) => isDomainError(error, 'Conflict'),
    );
    expect(cluster.peekPod(target)?.containers[0]?.image).toBe('shop/web:2');
  });

  it('observes absent, starting, running and failing from the pod alone', async () => {
    const { cluster, installer, pod } = setup();
    expect(installer.observe(pod, 'web')).toEqual({ state: 'absent' });

    cluster.stopKubelet();
    const patched = await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    expect(installer.observe(patched, 'web')).toMatchObject({ state: 'starting', owner });

    cluster.startKubelet();
    expect(installer.observe(cluster.peekPod(target)!, 'web')).toMatchObject({
      state: 'running',
      containerID: expect.stringMatching(/^containerd:\/\//),
    });
  });

  it('observes Carrier running from an image loaded without a registry: containerd names it only in `image`', async () => {
    const { cluster, installer, pod } = setup();
    await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    const patched = cluster.peekPod(target)!;
    expect(installer.observe(patched, 'web')).toMatchObject({ state: 'running' });
    // What a real node's containerd reports for `ctr images import`, `kind load` or `k3d image import`:
    // the image's config digest as imageID (no repository digest), its repository tag as image.
    const loaded = (running: typeof patched, image: string): typeof patched => ({
      ...running,
      containerStatuses: running.containerStatuses.map((status) =>
        status.name === 'web' ? { ...status, image, imageID: `sha256:${'c'.repeat(64)}` } : status,
      ),
    });
    expect(installer.observe(loaded(patched, 'quay.io/gefyra/carrier:0.13.6'), 'web')).toMatchObject({
      state: 'running',
      containerID: expect.stringMatching(/^containerd:\/\//),
    });
    // The original image, still running while the kubelet replaces it, is not Carrier.
    expect(installer.observe(loaded(patched, 'shop/web:2'), 'web')).toMatchObject({ state: 'starting' });
    expect(cluster.peekPod(target)?.containers[0]?.image).toBe('quay.io/gefyra/carrier:0.13.6');
  });

  it('sees a Carrier that cannot be pulled as failing, with the reason', async () => {
    const { cluster, installer, pod } = setup();
    cluster.failImagePull('carrier');
    await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    expect(installer.observe(cluster.peekPod(target)!, 'web')).toMatchObject({
      state: 'failing',
      reason: expect.stringMatching(/^ErrImagePull: /),
    });
  });

  it('restores the original image, the record and the label; a second restore is a no-op', async () => {
    const { cluster, installer, pod } = setup();
    await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    await installer.restore(target, owner, signal);
    await installer.restore(target, owner, signal);

    const restored = cluster.peekPod(target)!;
    expect(restored.containers[0]?.image).toBe('shop/web:2');
    expect(restored.annotations[carrierAnnotation('web')]).toBeUndefined();
    expect(Object.keys(restored.labels)).not.toContain('carrier.gefyra.dev/intercepted');
  });

  it('keeps the label while another container of the pod still carries Carrier', async () => {
    const { cluster, installer, pod } = setup();
    await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    await installer.install(
      {
        pod: cluster.peekPod(target)!,
        container: 'sidecar',
        owner: { uid: 'uid-2', request: 'gefyra/sidecar' },
        handleProbes: false,
      },
      signal,
    );
    await installer.restore(target, owner, signal);
    expect(cluster.peekPod(target)?.labels).toMatchObject(installer.podLabels);
    expect(installer.ownersOf(cluster.peekPod(target)!)).toEqual([{ uid: 'uid-2', request: 'gefyra/sidecar' }]);
  });

  it("never restores another request's Carrier, nor a pod that is gone", async () => {
    const { cluster, installer, pod } = setup();
    await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    await installer.restore(target, { uid: 'someone-else', request: 'gefyra/x' }, signal);
    expect(cluster.peekPod(target)?.containers[0]?.image).toMatch(/carrier/);
    await installer.restore({ ...target, name: 'gone' }, owner, signal);
  });

  it('reports a configuration command Carrier refuses, with its exit code and output, once the config shows it did nothing', async () => {
    const { cluster, installer, pod } = setup();
    await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    cluster.onExec(({ command }) =>
      command[0] === 'cat'
        ? { exitCode: 0, stdout: CARRIER_BASE_CONFIG }
        : { exitCode: 2, stdout: '', stderr: 'setroute.sh: bad port\n' },
    );
    await expect(
      installer.configure(
        target,
        { routes: [{ containerPort: 80, proxyHost: 'h', proxyPort: 10000 }], probePorts: [], syncDirectories: [] },
        signal,
      ),
    ).rejects.toMatchObject({
      kind: 'ExecFailed',
      retryable: true,
      message: expect.stringMatching(
        /`setroute.sh 80` left no trace in \/etc\/nginx\/nginx.conf \(exit code 2: setroute.sh: bad port\)/,
      ),
    });
  });

  it('runs syncdirs.sh at most once per container instance: started once before (a crash after it), Carrier restarts clean instead', async () => {
    const { cluster, installer, pod } = setup();
    const carrier = new CarrierSimulator({
      containerIdOf: (ref) => cluster.containerIdOf(ref),
      restartContainer: (ref) => cluster.restartContainer(ref),
    });
    cluster.onExec(carrier.handle);
    await installer.install({ pod, container: 'web', owner, handleProbes: false }, signal);
    const configuration = { routes: [], probePorts: [], syncDirectories: ['/app/logs'] };
    await installer.configure(target, configuration, signal);
    const first = cluster.containerIdOf(target);
    expect(cluster.peekPod(target)?.annotations['syncdirs.carrier.gefyra.dev/web']).toBe(first);

    // The operator crashed before recording that Carrier was configured: it configures again.
    await expect(installer.configure(target, configuration, signal)).rejects.toMatchObject({
      kind: 'ExecFailed',
      message: expect.stringMatching(/syncdirs.sh was started in this container before.*restarted it/),
    });
    expect(cluster.containerIdOf(target)).not.toBe(first);
    await installer.configure(target, configuration, signal);
    const syncRuns = cluster.execLog.filter((entry) => entry.command[2] === 'syncdirs.sh');
    expect(syncRuns).toHaveLength(2);
    expect(carrier.configurationOf(target)?.syncDirectories).toEqual({ 'web-1/web': ['/app/logs'] });

    await installer.restore(target, owner, signal);
    expect(cluster.peekPod(target)?.annotations).not.toHaveProperty('syncdirs.carrier.gefyra.dev/web');
  });

  it('ignores a record it cannot read', () => {
    expect(readCarrierRecord({ [carrierAnnotation('web')]: '{not json' }, 'web')).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { systemClock } from '../../../src/adapters/system/system-clock.js';
import { Carrier2Installer } from '../../../src/plugins/carrier2/carrier2-installer.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../../support/control-plane/vitest.js';
import { containerStatus } from '../../support/pod-conditions.js';
import { Carrier2Simulator } from '../../support/simulated-cluster/simulators/carrier2-simulator.js';
import { never } from './fixtures.js';

const CARRIER2 = 'quay.io/gefyra/carrier2:2.5.4';
const owner = { uid: 'mount-uid', request: 'web-app-mount' };

/**
 * carrier2 installed into, configured in and restored from a real Pod object:
 * the image swap and its record in one patch the API server accepts, the
 * owner count read from real ownerReferences, the push through a real exec
 * (answered by the carrier2 simulator on the simulated node), the configured
 * record per container instance, and the restore the kubelet runs again.
 */
describe('Carrier2Installer on the API server', () => {
  const carrier2 = new Carrier2Simulator();
  const node = useSimulatedNode({ handlers: [carrier2.handle] });
  const cluster = useControlPlane();
  const namespace = useTestNamespace('carrier2');
  const api = () => new KubernetesClusterApi(cluster.adminKubeConfig());
  const installer = () =>
    new Carrier2Installer(api(), systemClock, {
      image: 'quay.io/gefyra/carrier2',
      tag: '2.5.4',
      debug: false,
      startupTimeoutMs: 60_000,
    });

  it('installs into a pod of a workload, is observed running, takes a configuration, and restores the original', async () => {
    const owning = await api().create(
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'owner', namespace: namespace.name } },
      never,
    );
    await api().create(
      {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: 'web-1',
          namespace: namespace.name,
          ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: owning.metadata.uid }],
        },
        spec: {
          containers: [{ name: 'web', image: 'shop/web:2', command: ['/srv'], ports: [{ containerPort: 8080 }] }],
          terminationGracePeriodSeconds: 1,
        },
      },
      never,
    );
    const key = `${namespace.name}/web-1`;
    const target = { namespace: namespace.name, name: 'web-1', container: 'web' };
    const runs = (image: string) => (pod: Parameters<typeof containerStatus>[0]) => {
      const status = containerStatus(pod, 'web');
      return status?.image === image && status.state?.running !== undefined;
    };
    await node.whenPod(key, runs('shop/web:2'));
    await node.whenIdle();
    const pod = (await api().findPod(target, never))!;
    expect(pod.ownerCount).toBe(1);
    expect(installer().validate({ pod, container: 'web', owner, handleProbes: true })).toEqual([]);

    const patched = await installer().install({ pod, container: 'web', owner, handleProbes: true }, never);
    expect(patched.containers[0]).toMatchObject({ image: CARRIER2, command: ['/srv'] });
    await node.whenPod(key, runs(CARRIER2));
    const running = installer().observe((await api().findPod(target, never))!, 'web');
    expect(running).toMatchObject({ state: 'running', owner, replaced: 'shop/web:2' });
    expect(installer().ownersOf((await api().findPod(target, never))!)).toEqual([owner]);
    const listed = await api().listPods(namespace.name, installer().podLabels, never);
    expect(listed.map((found) => found.name)).toEqual(['web-1']);

    const configuration = {
      routes: [
        {
          containerPort: 8080,
          proxyHost: 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local',
          proxyPort: 10000,
          selective: {
            name: 'alice',
            since: '2026-12-07T10:00:00Z',
            rules: [[{ on: 'header' as const, name: 'x-gefyra-user', value: 'alice', type: 'exact' as const }]],
          },
        },
      ],
      probePorts: [],
      syncDirectories: [],
      fallback: { 8080: ['web-app-web-gefyra-svc.shop.svc.cluster.local:8080'] },
      fingerprint: 'fingerprint-1',
    };
    await installer().configure(target, configuration, never);
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([8080]);
    expect(installer().observe((await api().findPod(target, never))!, 'web')).toMatchObject({
      state: 'running',
      configured: 'fingerprint-1',
    });

    await installer().restore(target, owner, never);
    await node.whenPod(key, runs('shop/web:2'));
    const restored = (await api().findPod(target, never))!;
    expect(restored.containers[0]).toMatchObject({ image: 'shop/web:2', command: ['/srv'] });
    expect(installer().observe(restored, 'web')).toEqual({ state: 'absent' });
    expect(Object.keys(restored.annotations).filter((name) => name.includes('carrier2'))).toEqual([]);
    expect(await api().listPods(namespace.name, installer().podLabels, never)).toEqual([]);
  });
});

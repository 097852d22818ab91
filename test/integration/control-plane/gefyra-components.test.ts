import { CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod } from '@kubernetes/client-node';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { STOWAWAY_ROUTES_CONFIGMAP } from '../../support/simulated-cluster/simulators/stowaway-simulator.js';
import { wireGuardPublicKey } from '../../support/simulated-cluster/simulators/wireguard-keys.js';
import { simulateGefyraComponents, type GefyraComponents } from '../../support/control-plane/index.js';
import { useControlPlane, useNamespaceOfEachTest, useSimulatedNode } from '../../support/control-plane/vitest.js';
import { execInPod, exitCodeOf } from './exec-in-pod.js';
import { containerStatus, isReady, podManifest } from './fixtures.js';

const strategicMerge = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch);
const CARRIER = 'quay.io/gefyra/carrier:0.13.0';

function stowawayPod(name: string): V1Pod {
  return {
    metadata: { name, labels: { app: 'stowaway' } },
    spec: {
      containers: [
        {
          name: 'stowaway',
          image: 'quay.io/gefyra/stowaway:0.13.0',
          readinessProbe: { exec: { command: ['cat', '/config/peer1/peer1.conf'] }, periodSeconds: 1 },
        },
      ],
    },
  };
}

// The simulated cluster's simulators (test/support/simulated-cluster/simulators), on a
// real API server: what is asserted here beyond their unit tests is what the
// simulated kubelet adds (ConfigMaps read through the API, the running image
// and container id from the node, exec over WebSocket, exec readiness probes).
// Every test has its own namespace and its own simulators, and brings its pods
// to the state it starts from.
describe('Stowaway and Carrier as the simulated node answers them', () => {
  const node = useSimulatedNode();
  const cluster = useControlPlane();
  const namespace = useNamespaceOfEachTest('components');
  let components: GefyraComponents;
  beforeEach(() => {
    components = simulateGefyraComponents(node, {
      stowaway: { generated: false, peerConfig: { endpoint: '198.51.100.4:31820' } },
    });
  });
  afterEach(() => components.remove());
  const core = (): CoreV1Api => cluster.adminKubeConfig().makeApiClient(CoreV1Api);
  const exec = async (pod: string, container: string, command: string[]) =>
    await execInPod(cluster.adminKubeConfig(), namespace.name, pod, container, command);

  describe('Stowaway', () => {
    /** A Stowaway pod whose peer file is generated, and ready. */
    async function generatedStowaway(): Promise<void> {
      components.stowaway.setGenerated(true);
      await core().createNamespacedPod({ namespace: namespace.name, body: stowawayPod('gefyra-stowaway') });
      await node.whenPod(`${namespace.name}/gefyra-stowaway`, isReady);
    }

    it('is not ready, and has no peer file, until the file is generated', async () => {
      const { stowaway } = components;
      await core().createNamespacedPod({ namespace: namespace.name, body: stowawayPod('gefyra-stowaway') });
      const starting = await node.whenPod(
        `${namespace.name}/gefyra-stowaway`,
        (pod) => containerStatus(pod, 'stowaway')?.state?.running !== undefined,
      );
      expect(isReady(starting)).toBe(false);
      const missing = await exec('gefyra-stowaway', 'stowaway', ['cat', '/config/peer1/peer1.conf']);
      expect(exitCodeOf(missing.status)).toBe(1);
      expect(missing.stderr).toContain('No such file or directory');

      stowaway.setGenerated(true);
      await node.whenPod(`${namespace.name}/gefyra-stowaway`, isReady);
      const present = await exec('gefyra-stowaway', 'stowaway', ['cat', '/config/peer1/peer1.conf']);
      expect(exitCodeOf(present.status)).toBe(0);
      const config = stowaway.peerConfig;
      expect(present.stdout).toBe(
        [
          '[Interface]',
          'Address = 192.168.99.2',
          `PrivateKey = ${config.privateKey}`,
          'ListenPort = 51820',
          'DNS = 192.168.99.1',
          '[Peer]',
          `PublicKey = ${config.peerPublicKey}`,
          'Endpoint = 198.51.100.4:31820',
          'AllowedIPs = 0.0.0.0/0',
          '',
        ].join('\n'),
      );
      expect(config.privateKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    });

    it("reports the latest handshake of the peer, under the public key of the peer file's PrivateKey", async () => {
      const { stowaway } = components;
      await generatedStowaway();
      const never = await exec('gefyra-stowaway', 'stowaway', ['wg', 'show', 'wg0', 'latest-handshakes']);
      expect(never.stdout).toBe(`${wireGuardPublicKey(stowaway.peerConfig.privateKey)}\t0\n`);
      stowaway.setLatestHandshake(1_700_000_000);
      const recent = await exec('gefyra-stowaway', 'stowaway', ['wg', 'show', 'wg0', 'latest-handshakes']);
      expect(recent.stdout).toBe(`${stowaway.clientPublicKey}\t1700000000\n`);
      expect(stowaway.clientPublicKey).not.toBe(stowaway.peerConfig.peerPublicKey);
    });

    it('regenerates proxy routes from the ConfigMap, read through the API, and serves its files', async () => {
      const { stowaway } = components;
      await generatedStowaway();
      const generate = ['/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/'];
      // Without the ConfigMap the simulator sees an empty mount: nginx serves no routes.
      const absent = await exec('gefyra-stowaway', 'stowaway', generate);
      expect(exitCodeOf(absent.status)).toBe(0);
      expect(stowaway.servedRoutes).toEqual({});
      expect(
        exitCodeOf(
          (await exec('gefyra-stowaway', 'stowaway', ['/bin/bash', 'generate-proxyroutes.sh', '/elsewhere/'])).status,
        ),
      ).toBe(1);

      await core().createNamespacedConfigMap({
        namespace: namespace.name,
        body: { metadata: { name: STOWAWAY_ROUTES_CONFIGMAP }, data: { 'web-8080': '172.18.0.3:8080,10000' } },
      });
      const generated = await exec('gefyra-stowaway', 'stowaway', generate);
      expect(exitCodeOf(generated.status)).toBe(0);
      expect(stowaway.proxyRoutes).toEqual([
        { key: 'web-8080', destinationIP: '172.18.0.3', destinationPort: 8080, proxyPort: 10000 },
      ]);
      const pod = await node.whenPod(`${namespace.name}/gefyra-stowaway`);
      expect(stowaway.generateRuns).toHaveLength(2);
      expect(stowaway.generateRuns.at(-1)).toEqual({
        namespace: namespace.name,
        pod: 'gefyra-stowaway',
        containerID: containerStatus(pod, 'stowaway')?.containerID,
        routes: { 'web-8080': '172.18.0.3:8080,10000' },
        proxyRoutes: stowaway.proxyRoutes,
      });

      const file = await exec('gefyra-stowaway', 'stowaway', ['cat', '/stowaway/proxyroutes/web-8080']);
      expect(file.stdout).toBe('172.18.0.3:8080,10000');

      await core().patchNamespacedConfigMap(
        { namespace: namespace.name, name: STOWAWAY_ROUTES_CONFIGMAP, body: { data: { broken: 'not-a-route' } } },
        strategicMerge,
      );
      const rejected = await exec('gefyra-stowaway', 'stowaway', generate);
      expect(exitCodeOf(rejected.status)).toBe(1);
      expect(rejected.stderr).toContain('broken');
      expect(stowaway.proxyRoutes).toHaveLength(1);
    });

    it('makes and removes rsync directories', async () => {
      const { stowaway } = components;
      await generatedStowaway();
      await exec('gefyra-stowaway', 'stowaway', ['mkdir', '-p', '/rsync/web-1/app']);
      expect([...stowaway.syncDirs]).toEqual(['web-1/app']);
      await exec('gefyra-stowaway', 'stowaway', ['rm', '-rf', '/rsync/web-1/app']);
      expect(stowaway.syncDirs.size).toBe(0);
      expect(node.execLog.slice(-2).map((e) => e.command.join(' '))).toEqual([
        'mkdir -p /rsync/web-1/app',
        'rm -rf /rsync/web-1/app',
      ]);
    });

    it('does not answer in pods that are not Stowaway', async () => {
      await core().createNamespacedPod({
        namespace: namespace.name,
        body: podManifest('impostor', { stowaway: 'nginx:1.25' }),
      });
      await node.whenPod(`${namespace.name}/impostor`, isReady);
      const outcome = await exec('impostor', 'stowaway', ['wg', 'show', 'wg0', 'latest-handshakes']);
      expect(exitCodeOf(outcome.status)).toBe(127);
    });
  });

  describe('Carrier', () => {
    const app = () => ({ namespace: namespace.name, name: 'target', container: 'app' });
    const script = async (...args: string[]) => await exec('target', 'app', ['/bin/busybox', 'sh', ...args]);

    /** A ready target pod running nginx. */
    async function originalTarget(): Promise<V1Pod> {
      await core().createNamespacedPod({
        namespace: namespace.name,
        body: podManifest('target', { app: 'nginx:1.25' }),
      });
      return await node.whenPod(`${namespace.name}/target`, isReady);
    }

    /** Swaps the target's image for Carrier's, as the operator does, and waits for the restarted container to be ready. */
    async function carrierTarget(): Promise<V1Pod> {
      await originalTarget();
      await core().patchNamespacedPod(
        {
          namespace: namespace.name,
          name: 'target',
          body: { spec: { containers: [{ name: 'app', image: CARRIER }] } },
        },
        strategicMerge,
      );
      return await node.whenPod(
        `${namespace.name}/target`,
        (pod) => containerStatus(pod, 'app')?.image === CARRIER && isReady(pod),
      );
    }

    it('is not there before the kubelet restarted the container with its image', async () => {
      await originalTarget();
      const early = await script('setroute.sh', '8080', 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000');
      expect(exitCodeOf(early.status)).toBe(127);
      expect(early.stderr).toContain('not found');
      expect(components.carrier.configurationOf(app())).toBeUndefined();
    });

    it('records routes, probes and sync directories once it runs', async () => {
      const running = await carrierTarget();

      expect(
        exitCodeOf(
          (await script('setroute.sh', '8080', 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000')).status,
        ),
      ).toBe(0);
      expect(exitCodeOf((await script('setprobe.sh', '8081')).status)).toBe(0);
      expect(exitCodeOf((await script('syncdirs.sh', 'target/app', '/var/www', '/etc/nginx')).status)).toBe(0);

      expect(components.carrier.configurationOf(app())).toEqual({
        containerID: containerStatus(running, 'app')?.containerID,
        routes: [{ containerPort: 8080, upstream: 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' }],
        probePorts: [8081],
        syncDirectories: { 'target/app': ['/var/www', '/etc/nginx'] },
        configText: expect.stringContaining('server {listen 8081 default; location / {return 200;}}'),
      });
      expect((await exec('target', 'app', ['cat', '/etc/nginx/nginx.conf'])).stdout).toBe(
        components.carrier.configurationOf(app())?.configText,
      );
    });

    it('appends like the real scripts: a second setroute.sh for a port breaks every later reload, as nginx does', async () => {
      await carrierTarget();
      expect(
        exitCodeOf(
          (await script('setroute.sh', '8080', 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000')).status,
        ),
      ).toBe(0);
      const again = await script('setroute.sh', '8080', 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000');
      expect(exitCodeOf(again.status)).toBe(1);
      expect(again.stderr).toContain('nginx: [emerg] duplicate upstream "stowaway-8080"');
      const later = await script('setprobe.sh', '9090');
      expect(exitCodeOf(later.status)).toBe(1);
      expect(later.stderr).toContain('duplicate upstream "stowaway-8080"');
    });

    it('starts a clean container when nginx is stopped, as the kubelet restarts a container whose process ended', async () => {
      const before = containerStatus(await carrierTarget(), 'app');
      expect(exitCodeOf((await script('setroute.sh', '8080', 'proxy:10000')).status)).toBe(0);
      expect((await exec('target', 'app', ['cat', '/etc/nginx/nginx.conf'])).stdout).toContain('stowaway-8080');

      expect(exitCodeOf((await exec('target', 'app', ['/bin/busybox', 'sh', '-c', 'nginx -s stop'])).status)).toBe(0);
      const restarted = await node.whenPod(
        `${namespace.name}/target`,
        (pod) => containerStatus(pod, 'app')?.containerID !== before?.containerID,
      );
      expect(containerStatus(restarted, 'app')?.restartCount).toBe((before?.restartCount ?? 0) + 1);
      expect(containerStatus(restarted, 'app')?.image).toBe(CARRIER);
      expect(components.carrier.configurationOf(app())).toBeUndefined();
      const clean = await exec('target', 'app', ['cat', '/etc/nginx/nginx.conf']);
      expect(clean.stdout).not.toContain('stowaway-');
      expect(exitCodeOf((await script('setroute.sh', '8080', 'proxy:10000')).status)).toBe(0);
    });

    it('rejects wrong argument shapes (syncdirs.sh with a usage line; the others through nginx)', async () => {
      await carrierTarget();
      for (const args of [
        ['setroute.sh', '8080'],
        ['setroute.sh', 'http', 'host:10000'],
        ['setprobe.sh'],
        ['syncdirs.sh', 'target/app'],
        ['syncdirs.sh', 'target', '/var/www'],
      ]) {
        const outcome = await script(...args);
        expect(exitCodeOf(outcome.status), args.join(' ')).not.toBe(0);
        expect(outcome.stderr, args.join(' ')).toMatch(/usage|nginx: \[emerg\]/);
      }
    });

    it('is gone again once the original image is restored', async () => {
      await carrierTarget();
      expect(exitCodeOf((await script('setprobe.sh', '8081')).status)).toBe(0);
      await core().patchNamespacedPod(
        {
          namespace: namespace.name,
          name: 'target',
          body: { spec: { containers: [{ name: 'app', image: 'nginx:1.25' }] } },
        },
        strategicMerge,
      );
      const restored = await node.whenPod(
        `${namespace.name}/target`,
        (pod) => containerStatus(pod, 'app')?.image === 'nginx:1.25',
      );
      // Carrier's image, then the original image.
      expect(containerStatus(restored, 'app')?.restartCount).toBe(2);
      expect(components.carrier.configurationOf(app())).toBeUndefined();
      const late = await script('setprobe.sh', '8081');
      expect(exitCodeOf(late.status)).toBe(127);
    });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/kubernetes-cluster-api.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { ProviderConfigKey } from '../../src/plugins/gefyra2/ports/tunnel-peers.port.js';
import { pyFormat, pyGet } from '../support/gefyra25-client-reads.js';
import { DataPlane } from '../support/control-plane/data-plane/data-plane.js';
import type { DeveloperMachine } from '../support/control-plane/data-plane/developer-machine.js';
import { developerBody } from '../support/control-plane/data-plane/developer-machine.js';
import { FABRIC } from '../support/control-plane/data-plane/network-fabric.js';
import { clientNetwork } from '../support/client-network.js';
import { SimulatedNode } from '../support/control-plane/index.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { useControlPlane, useTestNamespace } from '../support/control-plane/vitest.js';
import { startGefyra2, type Gefyra2 } from '../e2e/support/gefyra2-lifecycle.js';
import { dataPlaneUnavailable } from './support/data-plane-environment.js';

const signal = () => AbortSignal.timeout(30_000);
const PORT = 8000;

// Issue 12, on the wire: Stowaway 2.x runs real WireGuard (wireguard-go); the
// operator's peer scripts run by exec in its container; each developer's
// machine has its own namespace and tunnel, configured from its client's
// providerConfig, and its app container in its own Docker network, the
// client's subnet, which Stowaway routes to that developer's peer. Two
// developers stay connected, and keep answering through their tunnels, while a
// third joins and leaves.
describe.skipIf(dataPlaneUnavailable())('several developers on one Stowaway 2.x, on the wire', () => {
  const controlPlane = useControlPlane();
  let plane: DataPlane | undefined;
  const started = (): DataPlane => {
    if (plane === undefined) throw new Error('the data plane starts in beforeAll');
    return plane;
  };
  const node = new SimulatedNode({
    kubeConfig: controlPlane.kubeletKubeConfig(),
    containerHost: {
      sync: async (pod) => await started().host.sync(pod),
      forget: async (key) => await started().host.forget(key),
    },
    handlers: [async (request) => await started().execHandler(request)],
  });
  beforeAll(async () => {
    plane = await DataPlane.start({ kubeConfig: controlPlane.kubeletKubeConfig() });
    await node.start();
  });
  afterAll(async () => {
    await node.stop();
    await plane?.stop();
  });
  const namespace = useTestNamespace('dp-gefyra2');
  let gefyra: Gefyra2 | undefined;
  const g = (): Gefyra2 => {
    if (gefyra === undefined) throw new Error('started in beforeAll');
    return gefyra;
  };

  beforeAll(async () => {
    // What the 2.5 client's `gefyra up` creates before the operator runs: the NodePort Service developers reach WireGuard on (the operator keeps it).
    await new KubernetesClusterApi(controlPlane.adminKubeConfig(), 'gefyra-e2e-admin').create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'gefyra-stowaway-wireguard', namespace: namespace.name },
        spec: {
          type: 'NodePort',
          selector: { ...STOWAWAY2.labels },
          ports: [{ name: 'gefyra-wireguard', protocol: 'UDP', port: 51820, targetPort: 51820, nodePort: 31820 }],
        },
      },
      signal(),
    );
    gefyra = await startGefyra2(controlPlane.adminKubeConfig(), namespace.name, { image: 'quay.io/gefyra/stowaway' });
    await node.whenPod(
      `${namespace.name}/${STOWAWAY2.pod}`,
      (pod) => pod.status?.containerStatuses?.[0]?.ready === true,
      { timeoutMs: 60_000 },
    );
  }, 120_000);
  afterAll(async () => await gefyra?.stop());

  /** The client's side: its WireGuard file from the stored providerConfig's flat keys, with the endpoint from its own client file (the node's port). */
  const connectMachine = async (machine: DeveloperMachine, client: string) => {
    const config = pyGet(await g().api.find(g().ref(client), signal()), 'providerConfig');
    const field = (key: ProviderConfigKey) => pyFormat(pyGet(config, key));
    await machine.connect(
      {
        'Interface.PrivateKey': field('Interface.PrivateKey'),
        'Interface.Address': field('Interface.Address'),
        'Peer.PublicKey': field('Peer.PublicKey'),
        'Peer.PresharedKey': field('Peer.PresharedKey'),
        'Peer.Endpoint': `${FABRIC.nodeAddress}${field('Peer.Endpoint')}`,
        'Peer.AllowedIPs': field('Peer.AllowedIPs'),
      },
      [PORT],
    );
    await pollUntil(
      "the machine's first handshake",
      async () => ((await machine.latestHandshake()) > 0 ? true : undefined),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  };
  const connectClient = async (name: string, subnet: string) => {
    await g().create(name);
    await g().waitForClient(name, (client) => client?.state === 'WAITING', 'WAITING');
    await g().setSubnet(name, subnet);
    return await g().waitForClient(name, (client) => client?.state === 'ACTIVE', 'ACTIVE');
  };
  /** An HTTP GET from Stowaway's container through its tunnel to a developer's app container. */
  const throughTunnel = async (address: string) => {
    const result = await g().api.exec(
      { namespace: namespace.name, name: STOWAWAY2.pod, container: STOWAWAY2.container },
      ['timeout', '3', 'busybox', 'wget', '-q', '-O', '-', `http://${address}:${PORT}/`],
      signal(),
    );
    return result.exitCode === 0 && result.stdout.includes(developerBody(PORT));
  };

  it('keeps two developers connected, answering through their tunnels, while a third joins and leaves', async () => {
    const machineA = started().developerMachine;
    // Each developer's client passes its own Docker network as its subnet; bridges send to the app container there.
    const machineB = await started().attachDeveloperMachine('laptop-b', clientNetwork('172.19.0.0/16'));
    const machineC = await started().attachDeveloperMachine('laptop-c', clientNetwork('172.20.0.0/16'));
    await connectClient('dev-a', machineA.network.subnet);
    await connectClient('dev-b', machineB.network.subnet);
    await connectMachine(machineA, 'dev-a');
    await connectMachine(machineB, 'dev-b');
    const addressA = machineA.network.appAddress;
    const addressB = machineB.network.appAddress;
    await pollUntil(
      'dev-a reachable through its tunnel',
      async () => ((await throughTunnel(addressA)) ? true : undefined),
      { timeoutMs: 20_000 },
    );
    await pollUntil(
      'dev-b reachable through its tunnel',
      async () => ((await throughTunnel(addressB)) ? true : undefined),
      { timeoutMs: 20_000 },
    );
    const pod = await g().stowawayPod();

    // While the third developer joins and leaves, the first two are asked again and again.
    const probes: boolean[] = [];
    let churning = true;
    const probing = (async () => {
      while (churning) probes.push(await throughTunnel(addressA), await throughTunnel(addressB));
    })();
    try {
      await connectClient('dev-c', machineC.network.subnet);
      await connectMachine(machineC, 'dev-c');
      const addressC = machineC.network.appAddress;
      await pollUntil(
        'dev-c reachable through its tunnel',
        async () => ((await throughTunnel(addressC)) ? true : undefined),
        { timeoutMs: 20_000 },
      );
      await g().setSubnet('dev-c', null);
      await g().waitForClient('dev-c', (client) => client?.state === 'WAITING', 'WAITING after disconnecting');
      expect(await throughTunnel(addressC)).toBe(false);
      await g().api.remove(g().ref('dev-c'), signal());
      await g().waitForClient('dev-c', (client) => client === undefined, 'deleted');
    } finally {
      churning = false;
      await probing;
      await machineC.disconnect();
    }

    expect(probes.length).toBeGreaterThanOrEqual(4);
    expect(probes.filter((ok) => !ok)).toEqual([]);
    expect(await g().stowawayPod()).toEqual(pod);
    expect(await throughTunnel(addressA)).toBe(true);
    expect(await throughTunnel(addressB)).toBe(true);
    // Three peers added, each a Stowaway exec and a machine with two containers: on a busy machine past the default 60 s.
  }, 180_000);
});

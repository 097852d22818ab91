import { afterAll, beforeAll } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/kubernetes-cluster-api.js';
import { STOWAWAY2 } from '../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { ProviderConfigKey } from '../../../src/plugins/gefyra2/ports/tunnel-peers.port.js';
import { pyFormat, pyGet } from '../../support/gefyra25-client-reads.js';
import { DataPlane } from '../../support/control-plane/data-plane/data-plane.js';
import type { DeveloperMachine } from '../../support/control-plane/data-plane/developer-machine.js';
import { FABRIC } from '../../support/control-plane/data-plane/network-fabric.js';
import { SimulatedNode, type ControlPlaneAccess } from '../../support/control-plane/index.js';
import { pollUntil } from '../../support/control-plane/polling.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { startGefyra2, type Gefyra2 } from '../../e2e/support/gefyra2-lifecycle.js';

const signal = () => AbortSignal.timeout(30_000);

export interface Gefyra2DataPlane {
  readonly controlPlane: ControlPlaneAccess;
  readonly node: SimulatedNode;
  readonly namespace: { readonly name: string };
  plane(): DataPlane;
  gefyra(): Gefyra2;
  /** `gefyra connections create` up to ACTIVE, with the developer's Docker network as the client's subnet. */
  connectClient(name: string, subnet: string): Promise<unknown>;
  /** The client's side: its WireGuard tunnel from the stored providerConfig, up to the first handshake; serving HTTP on `ports`. */
  connectMachine(machine: DeveloperMachine, client: string, ports: readonly number[]): Promise<void>;
}

/**
 * Stowaway 2.x on the wire, for one test file: a simulated node in the
 * data-plane mode (pods are processes in network namespaces), a test
 * namespace with the NodePort Service the 2.5 client's `gefyra up` creates,
 * Stowaway 2.x installed by the plugin with its real WireGuard, and the
 * GefyraClient controller. Call it first in the file: its afterAll (stopping
 * the node, removing the namespaces) must run last.
 */
export function useGefyra2DataPlane(prefix: string): Gefyra2DataPlane {
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
  const namespace = useTestNamespace(prefix);
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

  return {
    controlPlane,
    node,
    namespace,
    plane: started,
    gefyra: g,
    connectClient: async (name, subnet) => {
      await g().create(name);
      await g().waitForClient(name, (client) => client?.state === 'WAITING', 'WAITING');
      await g().setSubnet(name, subnet);
      return await g().waitForClient(name, (client) => client?.state === 'ACTIVE', 'ACTIVE');
    },
    connectMachine: async (machine, client, ports) => {
      // Its WireGuard file from the stored providerConfig's flat keys, with the endpoint from its own client file (the node's port).
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
        ports,
      );
      await pollUntil(
        "the machine's first handshake",
        async () => ((await machine.latestHandshake()) > 0 ? true : undefined),
        { timeoutMs: 20_000, intervalMs: 100 },
      );
    },
  };
}

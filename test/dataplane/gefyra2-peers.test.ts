import { describe, expect, it } from 'vitest';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { developerBody } from '../support/control-plane/data-plane/developer-machine.js';
import { clientNetwork } from '../support/client-network.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { dataPlaneUnavailable } from './support/data-plane-environment.js';
import { useGefyra2DataPlane } from './support/gefyra2-data-plane.js';

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
  const dp = useGefyra2DataPlane('dp-gefyra2');
  const namespace = dp.namespace;
  const started = dp.plane;
  const g = dp.gefyra;
  const connectClient = dp.connectClient;
  const connectMachine = async (machine: Parameters<typeof dp.connectMachine>[0], client: string) =>
    await dp.connectMachine(machine, client, [PORT]);

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

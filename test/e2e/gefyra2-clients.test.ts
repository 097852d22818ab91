import { describe, expect, it } from 'vitest';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { PROVIDER_CONFIG_KEYS } from '../../src/plugins/gefyra2/ports/tunnel-peers.port.js';
import { clientWireGuardFile, pyGet } from '../support/gefyra25-client-reads.js';
import { useGefyra2OnSimulatedNode } from './support/use-gefyra2.js';

const signal = () => AbortSignal.timeout(30_000);

// Issue 12: the GefyraClient lifecycle against the real API server, driven by
// the calls the Gefyra 2.5 client makes (contract §2): create, wait for
// WAITING, set the subnet, wait for ACTIVE and read providerConfig, disable,
// delete, sunset. Stowaway 2.x is a real StatefulSet (its pod and volume claim
// made by kube-controller-manager, the claim bound to a PersistentVolume) whose
// container the simulated node answers as the 2.5 image; tokens come from the
// real token controller.
describe('Gefyra 2.5 client lifecycle on the real API server', () => {
  const { namespace, simulator, g } = useGefyra2OnSimulatedNode('gefyra2');

  it('creates, connects, disconnects and deletes a client as the 2.5 client does, Stowaway never restarted', async () => {
    const { api, ref } = g();
    const before = await g().stowawayPod();
    await g().create('dev-a');
    const waiting = await g().waitForClient('dev-a', (client) => client?.state === 'WAITING', 'WAITING');
    const raw = (await api.find(ref('dev-a'), signal())) as Manifest;
    expect(raw['serviceAccountName']).toBe('gefyra-client-dev-a');
    expect(Object.keys((raw['serviceAccountData'] ?? {}) as object).sort()).toEqual(['ca.crt', 'namespace', 'token']);
    expect(Object.keys(waiting?.stateTransitions ?? {}).sort()).toEqual(['CREATING', 'WAITING']);

    // `gefyra connections connect`: the subnet in WAITING, then ACTIVE with the providerConfig it writes to its WireGuard file.
    await g().setSubnet('dev-a', '172.18.0.0/16');
    const active = await g().waitForClient('dev-a', (client) => client?.state === 'ACTIVE', 'ACTIVE');
    // Read back from the API server as the client reads it: flat keys with a dot, kept by the CRD's schema (a pruned or nested one gives `None`).
    const stored = await api.find(ref('dev-a'), signal());
    expect(clientWireGuardFile(stored, '203.0.113.7:31820')).toMatch(
      /^\[Interface\]\nAddress = 192\.168\.99\.2\nPrivateKey = \S{44}\nDNS = 192\.168\.99\.1\n/,
    );
    expect(clientWireGuardFile(stored, '203.0.113.7:31820')).not.toContain('None');
    expect(pyGet(pyGet(stored, 'providerConfig'), 'Peer.Endpoint')).toBe(':31820');
    expect(Object.keys(pyGet(stored, 'providerConfig') as object).sort()).toEqual([...PROVIDER_CONFIG_KEYS].sort());
    const config = await api.find(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name, name: STOWAWAY2.configMap },
      signal(),
    );
    expect(config?.['data']).toMatchObject({ PEERS: 'dev000a', SERVER_ALLOWEDIPS_PEER_dev000a: '172.18.0.0/16' });

    // A second developer joins while the first stays connected.
    await g().create('dev-b');
    await g().waitForClient('dev-b', (client) => client?.state === 'WAITING', 'WAITING');
    await g().setSubnet('dev-b', '172.19.0.0/16');
    const b = await g().waitForClient('dev-b', (client) => client?.state === 'ACTIVE', 'ACTIVE');
    expect(b?.providerConfig?.['Interface.Address']).toBe('192.168.99.3');
    expect([...simulator.livePeers(namespace.name, STOWAWAY2.pod).keys()].sort()).toEqual(
      [active?.providerConfig?.['Interface.PublicKey'], b?.providerConfig?.['Interface.PublicKey']].sort(),
    );

    // `gefyra connections disconnect`: providerParameter null → WAITING, no connection.
    await g().setSubnet('dev-b', null);
    const disabled = await g().waitForClient(
      'dev-b',
      (client) => client?.state === 'WAITING' && client.providerConfig === undefined,
      'WAITING again',
    );
    expect(disabled?.stateTransitions['DISABLING']).toBeDefined();

    // `gefyra connections delete`.
    await api.remove(ref('dev-b'), signal());
    await g().waitForClient('dev-b', (client) => client === undefined, 'deleted');
    expect(
      await api.find(
        { apiVersion: 'v1', kind: 'ServiceAccount', namespace: namespace.name, name: 'gefyra-client-dev-b' },
        signal(),
      ),
    ).toBeUndefined();
    expect([...simulator.livePeers(namespace.name, STOWAWAY2.pod).keys()]).toEqual([
      active?.providerConfig?.['Interface.PublicKey'],
    ]);
    expect(await g().stowawayPod()).toEqual(before);

    // The Events the client reads through core/v1: a non-null eventTime, the reasons of the spec.
    const events = await api.list({ apiVersion: 'v1', kind: 'Event' }, namespace.name, undefined, signal());
    const forA = events.filter((event) => (event['involvedObject'] as { name?: string }).name === 'dev-a');
    expect(forA.map((event) => event['reason'])).toEqual(
      expect.arrayContaining(['GefyraClient state change', 'ServiceAccount', 'Ready', 'connection']),
    );
    for (const event of forA) expect(event['eventTime']).toEqual(expect.any(String));
  });

  it('removes a client at its sunset', async () => {
    const sunset = new Date(Date.now() + 3000).toISOString();
    await g().create('dev-c', { sunset });
    await g().waitForClient('dev-c', (client) => client?.state === 'WAITING', 'WAITING');
    await g().waitForClient('dev-c', (client) => client === undefined, 'removed at its sunset');
    const events = await g().api.list({ apiVersion: 'v1', kind: 'Event' }, namespace.name, undefined, signal());
    expect(
      events.some(
        (event) =>
          event['reason'] === 'Sunset reached' && (event['involvedObject'] as { name?: string }).name === 'dev-c',
      ),
    ).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import { clientAccountNames } from '../../../../../../src/plugins/gefyra2/adapters/cluster-client-accounts.js';
import { NAMESPACE, gefyra2, signal } from '../../../../../support/gefyra2-fixture.js';

const MICROSECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;

describe('GefyraClient lifecycle on Stowaway 2.x', () => {
  it('takes a new client through CREATING to WAITING with its own ServiceAccount, binding and token', async () => {
    const g = await gefyra2();
    await g.create('dev-a');
    await g.settle('dev-a');
    const client = g.client('dev-a');
    expect(client?.state).toBe('WAITING');
    expect(Object.keys(client?.stateTransitions ?? {}).sort()).toEqual(['CREATING', 'WAITING']);
    for (const at of Object.values(client?.stateTransitions ?? {})) expect(at).toMatch(MICROSECONDS);
    const names = clientAccountNames('dev-a');
    expect(names).toEqual({
      serviceAccount: 'gefyra-client-dev-a',
      binding: 'gefyra-rolebinding-gefyra-client-dev-a',
      secret: 'gefyra-client-dev-a-token',
    });
    expect(
      g.cluster.peek({ apiVersion: 'v1', kind: 'ServiceAccount', namespace: NAMESPACE, name: names.serviceAccount }),
    ).toBeDefined();
    const binding = g.cluster.peek({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      name: names.binding,
    });
    expect(binding?.['roleRef']).toMatchObject({ kind: 'ClusterRole', name: 'gefyra-client' });
    const raw = g.raw('dev-a');
    expect(raw?.['serviceAccountName']).toBe(names.serviceAccount);
    expect(raw?.['serviceAccountData']).toEqual({
      token: Buffer.from(`token-of-${names.secret}`).toString('base64'),
      'ca.crt': Buffer.from('ca').toString('base64'),
      namespace: Buffer.from(NAMESPACE).toString('base64'),
    });
    const events = g.events('dev-a');
    expect(events.map((event) => event.reason).sort()).toEqual([
      'GefyraClient state change',
      'GefyraClient state change',
      'Ready',
      'ServiceAccount',
    ]);
    for (const event of events) expect(event.eventTime).toMatch(MICROSECONDS);
  });

  it('skips the ServiceAccount when its management is off', async () => {
    const g = await gefyra2({ lifecycle: { manageServiceAccounts: false } });
    await g.create('dev-a');
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('WAITING');
    expect(g.cluster.objects({ apiVersion: 'v1', kind: 'ServiceAccount' }).map((sa) => sa.metadata.name)).not.toContain(
      'gefyra-client-dev-a',
    );
    expect(g.raw('dev-a')?.['serviceAccountData']).toBeUndefined();
  });

  it('adds the peer live when the client sets its subnet: ACTIVE with providerConfig, Stowaway not restarted', async () => {
    const g = await gefyra2();
    await g.create('dev-a');
    await g.settle('dev-a');
    const before = g.stowawayPod();
    await g.setSubnet('dev-a', '172.18.0.0/16');
    await g.settle('dev-a');
    const client = g.client('dev-a');
    expect(client?.state).toBe('ACTIVE');
    expect(Object.keys(client?.stateTransitions ?? {})).toEqual(expect.arrayContaining(['ENABLING', 'ACTIVE']));
    const config = client?.providerConfig;
    expect(config).toMatchObject({
      'Interface.Address': '192.168.99.2',
      'Interface.ListenPort': '51820',
      'Interface.DNS': '192.168.99.1',
      'Peer.Endpoint': ':31820',
      'Peer.AllowedIPs': '0.0.0.0/0',
    });
    const files = g.files();
    expect(config?.['Interface.PublicKey']).toBe(files.get('/config/peer_dev000a/publickey-peer_dev000a')?.trim());
    expect(config?.['Interface.PrivateKey']).toBe(files.get('/config/peer_dev000a/privatekey-peer_dev000a')?.trim());
    expect(config?.['Peer.PublicKey']).toBe(files.get('/config/server/publickey-server')?.trim());
    expect(g.config()).toMatchObject({ PEERS: 'dev000a', SERVER_ALLOWEDIPS_PEER_dev000a: '172.18.0.0/16' });
    expect(files.get('/config/.donoteditthisfile')).toContain('ORIG_PEERS="dev000a"');
    expect(g.livePeers().get(config?.['Interface.PublicKey'] ?? '')?.allowedIps).toEqual([
      '192.168.99.2/32',
      '172.18.0.0/16',
    ]);
    expect(g.stowawayPod()).toEqual(before);
    expect(g.simulator.regenerations).toBe(1);
    expect(
      g
        .events('dev-a')
        .filter((event) => event.reason === 'connection')
        .map((event) => event.note),
    ).toEqual([expect.stringContaining('peer added at 192.168.99.2')]);
  });

  it('keeps the other developers connected while a third joins and leaves', async () => {
    const g = await gefyra2();
    const a = await g.connect('dev-a', '172.18.0.0/16');
    const b = await g.connect('dev-b', '172.19.0.0/16');
    const keyOf = (client: typeof a) => client.providerConfig?.['Interface.PublicKey'] ?? '';
    expect(g.simulator.connect(NAMESPACE, 'gefyra-stowaway-0', keyOf(a), '203.0.113.1:40001')).toBe(true);
    expect(g.simulator.connect(NAMESPACE, 'gefyra-stowaway-0', keyOf(b), '203.0.113.2:40002')).toBe(true);
    const connected = new Map(g.livePeers());
    const pod = g.stowawayPod();
    const boots = g.simulator.boots;

    const c = await g.connect('dev-c', '172.20.0.0/16');
    expect(c.providerConfig?.['Interface.Address']).toBe('192.168.99.4');
    await g.setSubnet('dev-c', null);
    await g.settle('dev-c');
    await g.cluster.remove(g.ref('dev-c'), signal());
    await g.settle('dev-c');

    expect(g.client('dev-c')).toBeUndefined();
    expect(g.stowawayPod()).toEqual(pod);
    expect(g.simulator.boots).toBe(boots);
    expect(g.simulator.regenerations).toBe(1);
    // The first two kept their live peers exactly: keys, routes, endpoint and handshake untouched.
    expect(g.livePeers()).toEqual(connected);
    expect(g.config()).toMatchObject({ PEERS: 'dev000b,dev000a' });
    expect(g.config()['SERVER_ALLOWEDIPS_PEER_dev000c']).toBeUndefined();
    expect([...g.files().keys()].some((path) => path.startsWith('/config/peer_dev000c'))).toBe(false);
  });

  it('survives a Stowaway restart: the image regenerates nothing and every peer is back with its keys and address', async () => {
    const g = await gefyra2();
    const a = await g.connect('dev-a', '172.18.0.0/16');
    const b = await g.connect('dev-b', '172.19.0.0/16');
    const filesBefore = new Map(g.files());
    g.cluster.restartContainer({ namespace: NAMESPACE, name: 'gefyra-stowaway-0', container: 'stowaway' });
    await g.settle('dev-a');
    await g.settle('dev-b');
    expect(g.simulator.boots).toBe(2);
    expect(g.simulator.regenerations).toBe(1);
    expect(g.files()).toEqual(filesBefore);
    expect([...g.livePeers().keys()].sort()).toEqual(
      [a.providerConfig?.['Interface.PublicKey'], b.providerConfig?.['Interface.PublicKey']].sort(),
    );
    expect(g.client('dev-a')?.providerConfig).toEqual(a.providerConfig);
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
  });

  it('re-applies the peers from the cluster when Stowaway comes back without them (a new volume), by a fresh operator', async () => {
    const g = await gefyra2();
    const a = await g.connect('dev-a', '172.18.0.0/16');
    await g.connect('dev-b', '172.19.0.0/16');
    // The pod and its volume are gone: the image starts from the ConfigMap alone and generates new keys.
    for (const path of g.files().keys())
      await g.cluster.exec(
        { namespace: NAMESPACE, name: 'gefyra-stowaway-0', container: 'stowaway' },
        ['rm', '-rf', path],
        signal(),
      );
    await g.cluster.remove(
      { apiVersion: 'v1', kind: 'Pod', namespace: NAMESPACE, name: 'gefyra-stowaway-0' },
      signal(),
    );
    const fresh = g.newService();
    await g.settle('dev-a', fresh);
    await g.settle('dev-b', fresh);
    const restored = g.client('dev-a');
    expect(restored?.state).toBe('ACTIVE');
    expect(restored?.providerConfig?.['Interface.PublicKey']).not.toBe(a.providerConfig?.['Interface.PublicKey']);
    const live = g.livePeers().get(restored?.providerConfig?.['Interface.PublicKey'] ?? '');
    expect(live?.allowedIps).toEqual([`${restored?.providerConfig?.['Interface.Address']}/32`, '172.18.0.0/16']);
    expect(g.livePeers().size).toBe(2);
    expect(g.events('dev-a').map((event) => event.note)).toContainEqual(
      expect.stringContaining('peer restored in the tunnel'),
    );
  });

  it('disables: DISABLING then WAITING, the peer removed live, providerConfig and status.wireguard null, PEERS back to "0"', async () => {
    const g = await gefyra2();
    const a = await g.connect('dev-a', '172.18.0.0/16');
    g.simulator.connect(NAMESPACE, 'gefyra-stowaway-0', a.providerConfig?.['Interface.PublicKey'] ?? '');
    g.clock.advance(60_000);
    await g.settle('dev-a');
    expect(g.client('dev-a')?.wireguard).toBeDefined();
    const pod = g.stowawayPod();
    await g.setSubnet('dev-a', null);
    await g.settle('dev-a');
    const client = g.client('dev-a');
    expect(client?.state).toBe('WAITING');
    expect(client?.stateTransitions['DISABLING']).toBeDefined();
    expect(g.raw('dev-a')?.['providerConfig']).toBeUndefined();
    expect(client?.wireguard).toBeUndefined();
    expect(g.config()['PEERS']).toBe('0');
    expect(g.config()['SERVER_ALLOWEDIPS_PEER_dev000a']).toBeUndefined();
    expect(g.livePeers().size).toBe(0);
    expect(g.files().get('/config/wg0.conf')).not.toContain('[Peer]');
    expect(g.stowawayPod()).toEqual(pod);
    // A restart after that finds nothing to regenerate and no phantom peer0.
    g.cluster.restartContainer({ namespace: NAMESPACE, name: 'gefyra-stowaway-0', container: 'stowaway' });
    await g.setSubnet('dev-a', '172.18.0.0/16');
    await g.settle('dev-a');
    expect(g.simulator.regenerations).toBe(1);
    expect([...g.files().keys()].some((path) => path.startsWith('/config/peer0'))).toBe(false);
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
  });

  it('deletes: peer, ServiceAccount, binding and token removed, then the finalizer', async () => {
    const g = await gefyra2();
    await g.connect('dev-a', '172.18.0.0/16');
    await g.cluster.remove(g.ref('dev-a'), signal());
    await g.settle('dev-a');
    expect(g.raw('dev-a')).toBeUndefined();
    expect(g.config()['PEERS']).toBe('0');
    expect(g.livePeers().size).toBe(0);
    expect(g.cluster.objects({ apiVersion: 'v1', kind: 'ServiceAccount' }).map((sa) => sa.metadata.name)).not.toContain(
      'gefyra-client-dev-a',
    );
    expect(g.cluster.objects({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' })).toEqual([]);
    expect(g.cluster.objects({ apiVersion: 'v1', kind: 'Secret' }).map((secret) => secret.metadata.name)).not.toContain(
      'gefyra-client-dev-a-token',
    );
  });

  it('removed with --force (finalizer stripped first, as the 2.5 client does): its peer and account are removed all the same', async () => {
    const g = await gefyra2();
    await g.connect('dev-a', '172.18.0.0/16');
    await g.cluster.patch(g.ref('dev-a'), { metadata: { finalizers: null } }, signal());
    await g.cluster.remove(g.ref('dev-a'), signal());
    expect(g.raw('dev-a')).toBeUndefined();
    await g.settle('dev-a');
    expect(g.config()['PEERS']).toBe('0');
    expect(g.livePeers().size).toBe(0);
    expect(g.cluster.objects({ apiVersion: 'v1', kind: 'ServiceAccount' }).map((sa) => sa.metadata.name)).not.toContain(
      'gefyra-client-dev-a',
    );
    expect(g.cluster.objects({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' })).toEqual([]);
    expect(g.cluster.objects({ apiVersion: 'v1', kind: 'Secret' }).map((secret) => secret.metadata.name)).not.toContain(
      'gefyra-client-dev-a-token',
    );
  });

  it('removes a client at its sunset, with the Event "Sunset reached"', async () => {
    const g = await gefyra2();
    await g.create('dev-a', { sunset: '2026-11-30T12:10:00Z' });
    const waiting = await g.settle('dev-a');
    expect(waiting).toEqual({ done: false, requeueAfterMs: 600_000 });
    await g.setSubnet('dev-a', '172.18.0.0/16');
    await g.settle('dev-a');
    g.clock.advance(600_000);
    await g.settle('dev-a');
    expect(g.raw('dev-a')).toBeUndefined();
    expect(g.livePeers().size).toBe(0);
    expect(g.events('dev-a').map((event) => event.reason)).toContain('Sunset reached');
  });

  it('ends a connection at its maximum age and lets the client reconnect with the same subnet', async () => {
    const g = await gefyra2({ lifecycle: { maxConnectionAgeMs: 3_600_000 } });
    await g.connect('dev-a', '172.18.0.0/16');
    const active = await g.settle('dev-a');
    expect(active).toEqual({ done: false, requeueAfterMs: 60_000 });
    g.clock.advance(3_600_000);
    await g.settle('dev-a');
    const client = g.client('dev-a');
    expect(client?.state).toBe('WAITING');
    expect(client?.subnet).toBeUndefined();
    expect(g.livePeers().size).toBe(0);
    expect(g.events('dev-a').map((event) => event.note)).toContainEqual(
      expect.stringContaining('maximum connection age (3600 s) reached'),
    );
    await g.setSubnet('dev-a', '172.18.0.0/16');
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
  });

  it('keeps subnets unique: a second client on the same network goes to ERROR with the reason, and out of it with another subnet', async () => {
    const g = await gefyra2();
    await g.connect('dev-a', '172.18.0.0/16');
    await g.create('dev-b');
    await g.settle('dev-b');
    await g.setSubnet('dev-b', '172.18.5.7/16');
    await g.settle('dev-b');
    const refused = g.client('dev-b');
    expect(refused?.state).toBe('ERROR');
    expect(refused?.failure).toMatchObject({ reason: 'PeerRefused', subnet: '172.18.5.7/16' });
    expect(refused?.failure?.message).toContain('already routed to peer dev000a');
    expect(g.events('dev-b')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        reason: 'GefyraClient state change',
        note: expect.stringContaining('ENABLING → ERROR'),
      }),
    );
    expect(g.config()['PEERS']).toBe('dev000a');
    await g.setSubnet('dev-b', '172.19.0.0/16');
    await g.settle('dev-b');
    expect(g.client('dev-b')?.state).toBe('ACTIVE');
    expect(g.client('dev-b')?.failure).toBeUndefined();
  });

  it('explains a Stowaway that is not ready while connecting, and connects once it is', async () => {
    const g = await gefyra2();
    await g.create('dev-a');
    await g.settle('dev-a');
    const undo = g.cluster.neverReady('gefyra/gefyra-stowaway-0');
    await g.setSubnet('dev-a', '172.18.0.0/16');
    await expect(g.service.reconcile({ namespace: NAMESPACE, name: 'dev-a' }, signal())).rejects.toMatchObject({
      kind: 'NotReady',
    });
    expect(g.client('dev-a')?.state).toBe('ENABLING');
    expect(g.events('dev-a')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        note: expect.stringMatching(
          /ENABLING: addPeer failed \(NotReady\): Stowaway \(pod gefyra-stowaway-0\) is not running and ready/,
        ),
      }),
    );
    undo();
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
  });

  it('explains a failed peer script and retries it without a second block in wg0.conf', async () => {
    const g = await gefyra2();
    await g.create('dev-a');
    await g.settle('dev-a');
    await g.setSubnet('dev-a', '172.18.0.0/16');
    g.cluster.failExecAfterRunning((call) => call.command[3] === 'gefyra-peer-add', {
      exitCode: 1,
      stderr: 'wg: Unable to modify interface\n',
    });
    await expect(g.service.reconcile({ namespace: NAMESPACE, name: 'dev-a' }, signal())).rejects.toMatchObject({
      kind: 'ExecFailed',
    });
    expect(g.events('dev-a')).toContainEqual(
      expect.objectContaining({ type: 'Warning', note: expect.stringContaining('wg: Unable to modify interface') }),
    );
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
    expect(
      g
        .files()
        .get('/config/wg0.conf')
        ?.match(/# peer_dev000a/g),
    ).toHaveLength(1);
  });

  it('retries a ConfigMap write that lost to a concurrent one, with a merge patch of single keys (never a replace)', async () => {
    const g = await gefyra2();
    await g.cluster.patch(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: NAMESPACE, name: 'gefyra-stowaway-config' },
      { data: { SOMEONE_ELSES: 'kept' } },
      signal(),
    );
    await g.create('dev-a');
    await g.settle('dev-a');
    await g.setSubnet('dev-a', '172.18.0.0/16');
    g.cluster.conflictOnNextWrite(
      (operation, args) => operation === 'patch' && (args[0] as { name?: string }).name === 'gefyra-stowaway-config',
    );
    g.cluster.resetCallCounts();
    await g.settle('dev-a');
    expect(g.cluster.pendingFaults).toBe(0);
    expect(g.client('dev-a')?.state).toBe('ACTIVE');
    expect(g.config()).toMatchObject({ PEERS: 'dev000a', SOMEONE_ELSES: 'kept' });
    expect(g.cluster.callCount('replace')).toBe(0);
    // Installing again (a restarted operator) keeps the peers.
    await g.installer.ensureInstalled(signal());
    expect(g.config()).toMatchObject({ PEERS: 'dev000a', SERVER_ALLOWEDIPS_PEER_dev000a: '172.18.0.0/16' });
  });

  it('writes status.wireguard from wg once the client has shaken hands', async () => {
    const g = await gefyra2();
    const a = await g.connect('dev-a', '172.18.0.0/16');
    g.simulator.connect(
      NAMESPACE,
      'gefyra-stowaway-0',
      a.providerConfig?.['Interface.PublicKey'] ?? '',
      '203.0.113.9:51234',
    );
    g.clock.advance(60_000);
    const result = await g.settle('dev-a');
    expect(result).toEqual({ done: false, requeueAfterMs: 60_000 });
    expect(g.client('dev-a')?.wireguard).toEqual({
      public_key: a.providerConfig?.['Interface.PublicKey'],
      endpoint: { host: '203.0.113.9', port: 51234 },
      allowed_ips: ['192.168.99.2/32', '172.18.0.0/16'],
      latest_handshake: '3 seconds ago',
      transfer: '1.21 KiB received, 2.40 KiB sent',
    });
  });

  it('puts a client in ERROR, with the reason, when its state is unknown or changed by someone else against the lifecycle, then converges', async () => {
    const g = await gefyra2();
    await g.create('dev-a', { state: 'FLYING' });
    await g.settle('dev-a');
    expect(g.client('dev-a')?.stateTransitions['ERROR']).toBeDefined();
    expect(g.events('dev-a')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        note: expect.stringContaining('FLYING → ERROR: state "FLYING" is not a GefyraClient state'),
      }),
    );
    // Nothing else is wrong with it: without a subnet it is ready for one.
    expect(g.client('dev-a')?.state).toBe('WAITING');
    expect(g.client('dev-a')?.failure).toBeUndefined();

    const b = await g.connect('dev-b', '172.19.0.0/16');
    await g.patch('dev-b', { state: 'REQUESTED' });
    await g.settle('dev-b');
    expect(g.events('dev-b')).toContainEqual(
      expect.objectContaining({
        type: 'Warning',
        note: expect.stringContaining('REQUESTED → ERROR: state was changed from ACTIVE to REQUESTED by someone else'),
      }),
    );
    // Its peer was taken down in ERROR and brought up again for the subnet it still asks for.
    expect(g.events('dev-b').map((event) => event.note)).toContainEqual('removed the peer of a client in ERROR');
    expect(g.client('dev-b')?.state).toBe('ACTIVE');
    expect(g.client('dev-b')?.providerConfig?.['Interface.PublicKey']).not.toBe(
      b.providerConfig?.['Interface.PublicKey'],
    );
  });

  it('refuses an invalid subnet with the reason', async () => {
    const g = await gefyra2();
    await g.create('dev-a');
    await g.settle('dev-a');
    await g.setSubnet('dev-a', '300.1.1.0/16');
    await g.settle('dev-a');
    expect(g.client('dev-a')?.state).toBe('ERROR');
    expect(g.client('dev-a')?.failure).toMatchObject({
      reason: 'InvalidSubnet',
      message: expect.stringContaining('"300.1.1.0/16" is not an IPv4 network'),
    });
    expect(g.config()['PEERS']).toBe('0');
  });
});

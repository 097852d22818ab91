import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';
import { Stowaway2Simulator } from '../../support/simulated-cluster/simulators/stowaway2-simulator.js';

const signal = () => AbortSignal.timeout(5000);
const target = { namespace: 'gefyra', name: 'gefyra-stowaway-0', container: 'stowaway' };
const CONFIG = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra', name: 'gefyra-stowaway-config' } as const;

async function setUp(data: Record<string, string>) {
  const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
  const simulator = new Stowaway2Simulator({
    readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
  });
  cluster.onExec(simulator.handle);
  await cluster.create(
    {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: CONFIG.name, namespace: 'gefyra' },
      data: { SERVERPORT: '31820', PEERDNS: 'auto', INTERNAL_SUBNET: '192.168.99.0', ...data },
    },
    signal(),
  );
  cluster.addPod({
    metadata: { name: target.name, namespace: 'gefyra', labels: { 'gefyra.dev/app': 'stowaway' } },
    spec: { containers: [{ name: 'stowaway', image: 'stowaway:2.5.4' }] },
  });
  const run = (...command: string[]) => cluster.exec(target, command, signal());
  const files = () => simulator.files('gefyra', target.name);
  return { cluster, simulator, run, files };
}

describe("Stowaway2Simulator (the 2.5 image's init and wg)", () => {
  it('turns PEERS "<id>,0" into a phantom peer0 with an address, as the image does', async () => {
    const { run, files } = await setUp({ PEERS: 'deva,0', SERVER_ALLOWEDIPS_PEER_deva: '172.18.0.0/16' });
    expect((await run('cat', '/config/wg0.conf')).stdout).toMatch(/# peer0\n/);
    expect(files().get('/config/peer0/peer0.conf')).toContain('Address = 192.168.99.3');
    expect(files().get('/config/peer_deva/peer_deva.conf')).toContain('Address = 192.168.99.2');
    expect((await run('cat', '/config/wg0.conf')).stdout).toContain('AllowedIPs = 192.168.99.2/32,172.18.0.0/16');
  });

  it('regenerates only when PEERS, SERVERPORT, PEERDNS or INTERNAL_SUBNET changed, reusing keys and addresses', async () => {
    const { cluster, simulator, run, files } = await setUp({ PEERS: 'deva,devb' });
    await run('wg');
    const before = new Map(files());
    await cluster.patch(CONFIG, { data: { SERVER_ALLOWEDIPS_PEER_deva: '172.18.0.0/16' } }, signal());
    cluster.restartContainer(target);
    await run('wg');
    expect(simulator.regenerations).toBe(1);
    expect(files()).toEqual(before);
    await cluster.patch(CONFIG, { data: { PEERS: 'devb' } }, signal());
    cluster.restartContainer(target);
    await run('wg');
    expect(simulator.regenerations).toBe(2);
    expect(files().get('/config/peer_devb/privatekey-peer_devb')).toBe(
      before.get('/config/peer_devb/privatekey-peer_devb'),
    );
    expect(files().get('/config/peer_devb/peer_devb.conf')).toContain('Address = 192.168.99.3');
    expect(files().get('/config/wg0.conf')).not.toContain('# peer_deva');
  });

  it('lists peers in wg as the running interface has them: handshake lines only after a handshake', async () => {
    const { simulator, run } = await setUp({ PEERS: 'deva' });
    await run('wg');
    const [peer] = [...simulator.livePeers('gefyra', target.name).values()];
    const quiet = (await run('wg')).stdout;
    expect(quiet).toContain(`peer: ${peer?.publicKey}\n  preshared key: (hidden)\n  allowed ips: 192.168.99.2/32\n`);
    expect(quiet).not.toContain('latest handshake');
    expect(simulator.connect('gefyra', target.name, peer?.publicKey ?? '', '198.51.100.4:5555')).toBe(true);
    expect((await run('wg')).stdout).toContain(
      '  endpoint: 198.51.100.4:5555\n  allowed ips: 192.168.99.2/32\n  latest handshake: 3 seconds ago\n  transfer: ',
    );
  });

  it('answers only in Stowaway 2.x pods', async () => {
    const { cluster } = await setUp({ PEERS: '0' });
    cluster.addPod({
      metadata: { name: 'other', namespace: 'gefyra', labels: { app: 'stowaway' } },
      spec: { containers: [{ name: 'stowaway', image: 'stowaway:0.13' }] },
    });
    expect(
      (await cluster.exec({ namespace: 'gefyra', name: 'other', container: 'stowaway' }, ['wg'], signal())).exitCode,
    ).toBe(127);
  });
});

import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../../../support/simulated-cluster/index.js';
import { Stowaway2Simulator } from '../../../../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { addPeerCommand, removePeerCommand } from '../../../../../src/plugins/gefyra2/tunnel/peer-scripts.js';
import { connectionOf, serverPeersOf } from '../../../../../src/plugins/gefyra2/tunnel/wireguard-files.js';

/**
 * The peer scripts run by real bash on a directory laid out like Stowaway's
 * /config, with the real `wg` making keys and stubs recording what would
 * change the running interface (`wg set`, `ip route`). The simulator must
 * leave the same files, so the lifecycle tests on it hold for the image.
 */
const KEY = /[A-Za-z0-9+/]{43}=/g;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function sandbox() {
  const root = mkdtempSync(join(tmpdir(), 'stowaway2-'));
  dirs.push(root);
  const config = join(root, 'config');
  const bin = join(root, 'bin');
  mkdirSync(join(config, 'server'), { recursive: true });
  mkdirSync(bin);
  const serverPrivate = execFileSync('wg', ['genkey']).toString().trim();
  const serverPublic = execFileSync('wg', ['pubkey'], { input: serverPrivate }).toString().trim();
  writeFileSync(join(config, 'server', 'privatekey-server'), `${serverPrivate}\n`);
  writeFileSync(join(config, 'server', 'publickey-server'), `${serverPublic}\n`);
  writeFileSync(
    join(config, 'wg0.conf'),
    `[Interface]\nAddress = 192.168.99.1\nListenPort = 51820\nPrivateKey = ${serverPrivate}\n\n`,
  );
  writeFileSync(
    join(config, '.donoteditthisfile'),
    'ORIG_PEERS="0"\nORIG_SERVERPORT="31820"\nORIG_PEERDNS="auto"\nORIG_INTERFACE="192.168.99.0"\n',
  );
  const log = join(root, 'calls.log');
  writeFileSync(
    join(bin, 'wg'),
    `#!/bin/bash\ncase "$1" in genkey|pubkey|genpsk) exec /usr/bin/wg "$@";; esac\necho "wg $*" >> ${log}\n`,
  );
  writeFileSync(join(bin, 'ip'), `#!/bin/bash\necho "ip $*" >> ${log}\n`);
  chmodSync(join(bin, 'wg'), 0o755);
  chmodSync(join(bin, 'ip'), 0o755);
  const run = (command: string[]) => {
    const [program = '', ...args] = command;
    execFileSync(program, args, { env: { PATH: `${bin}:/usr/bin:/bin`, CONFIG_DIR: config } });
  };
  const read = (path: string) => readFileSync(join(config, path), 'utf8');
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []);
  return { config, run, read, calls, serverPublic };
}

const add = (name: string, address: string, subnet: string, peers: string) =>
  addPeerCommand({ name, address, subnet, dns: '192.168.99.1', endpoint: ':31820', peers });

/** The scripts need wireguard-tools' `wg` for keys (installed with the data-plane packages, see README). */
const hasWg = (() => {
  try {
    execFileSync('wg', ['--version']);
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!hasWg)('peer scripts (real bash and wg)', () => {
  it('add a peer the way the image lays it out, and apply it to the running interface', () => {
    const box = sandbox();
    box.run(add('peer_deva', '192.168.99.2', '172.18.0.0/16', 'deva'));
    const publicKey = box.read('peer_deva/publickey-peer_deva');
    const connection = connectionOf(box.read('peer_deva/peer_deva.conf'), publicKey);
    expect(connection).toMatchObject({
      'Interface.Address': '192.168.99.2',
      'Interface.ListenPort': '51820',
      'Interface.DNS': '192.168.99.1',
    });
    expect(connection).toMatchObject({
      'Peer.PublicKey': box.serverPublic,
      'Peer.Endpoint': ':31820',
      'Peer.AllowedIPs': '0.0.0.0/0',
    });
    expect(
      execFileSync('wg', ['pubkey'], { input: connection?.['Interface.PrivateKey'] ?? '' })
        .toString()
        .trim(),
    ).toBe(publicKey.trim());
    expect(serverPeersOf(box.read('wg0.conf'))).toEqual([
      { name: 'peer_deva', publicKey: publicKey.trim(), allowedIps: ['192.168.99.2/32', '172.18.0.0/16'] },
    ]);
    expect(box.read('.donoteditthisfile')).toContain('ORIG_PEERS="deva"\n');
    expect(box.read('.donoteditthisfile')).toContain('ORIG_SERVERPORT="31820"');
    expect(box.calls()).toEqual([
      `wg set wg0 peer ${publicKey.trim()} preshared-key ${box.config}/peer_deva/presharedkey-peer_deva allowed-ips 192.168.99.2/32,172.18.0.0/16`,
      'ip -4 route replace 192.168.99.2/32 dev wg0',
      'ip -4 route replace 172.18.0.0/16 dev wg0',
    ]);
  });

  it('run again, keep the keys and the one block; remove takes the peer out of the files and the interface', () => {
    const box = sandbox();
    box.run(add('peer_deva', '192.168.99.2', '172.18.0.0/16', 'deva'));
    box.run(add('peer_devb', '192.168.99.3', '172.19.0.0/16', 'devb,deva'));
    const keyA = box.read('peer_deva/privatekey-peer_deva');
    box.run(add('peer_deva', '192.168.99.2', '172.18.0.0/16', 'devb,deva'));
    expect(box.read('peer_deva/privatekey-peer_deva')).toBe(keyA);
    expect(
      serverPeersOf(box.read('wg0.conf'))
        .map((peer) => peer.name)
        .sort(),
    ).toEqual(['peer_deva', 'peer_devb']);
    const publicB = box.read('peer_devb/publickey-peer_devb').trim();
    box.run(removePeerCommand('peer_devb', 'deva'));
    expect(serverPeersOf(box.read('wg0.conf')).map((peer) => peer.name)).toEqual(['peer_deva']);
    expect(existsSync(join(box.config, 'peer_devb'))).toBe(false);
    expect(box.read('.donoteditthisfile')).toContain('ORIG_PEERS="deva"\n');
    expect(box.calls().slice(-3)).toEqual([
      `wg set wg0 peer ${publicB} remove`,
      'ip -4 route del 192.168.99.3/32 dev wg0',
      'ip -4 route del 172.19.0.0/16 dev wg0',
    ]);
  });

  it('leave the same files as the simulator does (keys aside)', async () => {
    const box = sandbox();
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const simulator = new Stowaway2Simulator({
      readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
    });
    cluster.onExec(simulator.handle);
    await cluster.create(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'gefyra-stowaway-config', namespace: 'gefyra' },
        data: { PEERS: '0', SERVERPORT: '31820', PEERDNS: 'auto', INTERNAL_SUBNET: '192.168.99.0' },
      },
      AbortSignal.timeout(5000),
    );
    cluster.addPod({
      metadata: { name: 'gefyra-stowaway-0', namespace: 'gefyra', labels: { 'gefyra.dev/app': 'stowaway' } },
      spec: { containers: [{ name: 'stowaway', image: 'stowaway:2.5.4' }] },
    });
    const target = { namespace: 'gefyra', name: 'gefyra-stowaway-0', container: 'stowaway' };
    const steps = [
      add('peer_deva', '192.168.99.2', '172.18.0.0/16', 'deva'),
      add('peer_devb', '192.168.99.3', '172.19.0.0/16', 'devb,deva'),
      removePeerCommand('peer_deva', 'devb'),
    ];
    for (const step of steps) {
      box.run(step);
      expect((await cluster.exec(target, step, AbortSignal.timeout(5000))).exitCode).toBe(0);
    }
    const simulated = simulator.files('gefyra', 'gefyra-stowaway-0');
    const blank = (text: string | undefined) => (text ?? '').replace(KEY, '<key>');
    for (const path of ['wg0.conf', 'peer_devb/peer_devb.conf'])
      expect(blank(simulated.get(`/config/${path}`))).toBe(blank(box.read(path)));
    expect(simulated.get('/config/.donoteditthisfile')).toContain('ORIG_PEERS="devb"');
    expect([...simulated.keys()].filter((path) => path.startsWith('/config/peer_')).sort()).toEqual(
      [
        'peer_devb/peer_devb.conf',
        'peer_devb/presharedkey-peer_devb',
        'peer_devb/privatekey-peer_devb',
        'peer_devb/publickey-peer_devb',
      ].map((path) => `/config/${path}`),
    );
  });
});

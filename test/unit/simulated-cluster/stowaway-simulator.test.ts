import { timeoutSignal } from '../../support/waiting.js';
import { describe, expect, it } from 'vitest';
import { SimulatedCluster, StowawaySimulator } from '../../support/simulated-cluster/index.js';
import {
  generateWireGuardKeyPair,
  wireGuardPublicKey,
} from '../../support/simulated-cluster/simulators/wireguard-keys.js';

// Made per call, not at import: a signal started when the file loads could run out before a late test on a busy machine.
const signal = (): AbortSignal => timeoutSignal(5000);
const stowaway = { namespace: 'gefyra', name: 'gefyra-stowaway-abc', container: 'stowaway' };
const routes = {
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name: 'gefyra-stowaway-proxyroutes', namespace: 'gefyra' },
} as const;

function setUp(options: { generated?: boolean; clientPublicKey?: string } = {}) {
  const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
  cluster.addPod({
    metadata: { name: stowaway.name, namespace: 'gefyra', labels: { app: 'stowaway' } },
    spec: { containers: [{ name: 'stowaway', image: 'quay.io/gefyra/stowaway:2' }] },
  });
  cluster.addPod({
    metadata: { name: 'other', namespace: 'gefyra', labels: { app: 'other' } },
    spec: { containers: [{ name: 'stowaway', image: 'x' }] },
  });
  const simulator = new StowawaySimulator({
    readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
    peerConfig: { endpoint: '198.51.100.1:31820' },
    ...options,
  });
  cluster.onExec(simulator.handle);
  const run = (...command: string[]) => cluster.exec(stowaway, command, signal());
  const setRoutes = (data: Record<string, string>) => cluster.apply({ ...routes, data }, signal());
  return { cluster, simulator, run, setRoutes };
}

describe('StowawaySimulator', () => {
  it("prints the peer file in Stowaway's exact layout", async () => {
    const { run, simulator } = setUp();
    const result = await run('cat', '/config/peer1/peer1.conf');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(
      [
        '[Interface]',
        'Address = 192.168.99.2',
        `PrivateKey = ${simulator.peerConfig.privateKey}`,
        'ListenPort = 51820',
        'DNS = 192.168.99.1',
        '[Peer]',
        `PublicKey = ${simulator.peerConfig.peerPublicKey}`,
        'Endpoint = 198.51.100.1:31820',
        'AllowedIPs = 0.0.0.0/0',
        '',
      ].join('\n'),
    );
    simulator.setPeerConfig({ address: '192.168.99.3' });
    expect((await run('cat', '/config/peer1/peer1.conf')).stdout).toContain('Address = 192.168.99.3\n');
  });

  it('fails to cat the peer file until it is generated', async () => {
    const { run, simulator } = setUp({ generated: false });
    expect(await run('cat', '/config/peer1/peer1.conf')).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'cat: /config/peer1/peer1.conf: No such file or directory\n',
    });
    simulator.setGenerated(true);
    expect((await run('cat', '/config/peer1/peer1.conf')).exitCode).toBe(0);
  });

  it('reports the latest handshake, 0 for never', async () => {
    const { run, simulator } = setUp();
    expect((await run('wg', 'show', 'wg0', 'latest-handshakes')).stdout).toBe(`${simulator.clientPublicKey}\t0\n`);
    simulator.setLatestHandshake(1714557600);
    expect((await run('wg', 'show', 'wg0', 'latest-handshakes')).stdout).toBe(
      `${simulator.clientPublicKey}\t1714557600\n`,
    );
  });

  it("lists the client under the public key of the peer file's PrivateKey, as WireGuard derives it", async () => {
    const { run, simulator } = setUp();
    const keys = generateWireGuardKeyPair();
    expect(simulator.clientPublicKey).toBe(wireGuardPublicKey(simulator.peerConfig.privateKey));
    expect(simulator.clientPublicKey).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    simulator.setPeerConfig({ privateKey: keys.privateKey });
    expect((await run('wg', 'show', 'wg0', 'latest-handshakes')).stdout).toBe(`${keys.publicKey}\t0\n`);
    expect(setUp({ clientPublicKey: 'given' }).simulator.clientPublicKey).toBe('given');
  });

  it('shows the route ConfigMap as mounted files, and a frozen mount until refreshed', async () => {
    const { run, simulator, setRoutes } = setUp();
    expect(await run('ls', '-1', '/stowaway/proxyroutes')).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    await setRoutes({ 'r-b': '192.168.99.2:8080,10001', 'r-a': '192.168.99.2:8081,10000' });
    expect((await run('ls', '-1', '/stowaway/proxyroutes/')).stdout).toBe('r-a\nr-b\n');
    expect((await run('cat', '/stowaway/proxyroutes/r-a')).stdout).toBe('192.168.99.2:8081,10000');
    expect((await run('cat', '/stowaway/proxyroutes/missing')).exitCode).toBe(1);

    await simulator.freezeMount('gefyra');
    await setRoutes({ 'r-c': '192.168.99.2:9000,10002' });
    expect((await run('ls', '-1', '/stowaway/proxyroutes')).stdout).toBe('r-a\nr-b\n');
    simulator.refreshMount();
    expect((await run('ls', '-1', '/stowaway/proxyroutes')).stdout).toBe('r-c\n');
  });

  it('serves, on generate, the table the mount shows at that moment', async () => {
    const { cluster, run, simulator, setRoutes } = setUp();
    expect(simulator.servedRoutes).toBeUndefined();
    await setRoutes({ 'r-a': '192.168.99.2:8081,10000' });
    expect((await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/')).exitCode).toBe(0);
    expect(simulator.servedRoutes).toEqual({ 'r-a': '192.168.99.2:8081,10000' });
    expect(simulator.generateRuns[0]).toMatchObject({
      namespace: 'gefyra',
      pod: stowaway.name,
      containerID: cluster.containerIdOf(stowaway),
    });

    await simulator.freezeMount('gefyra');
    await setRoutes({});
    await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/');
    expect(simulator.servedRoutes).toEqual({ 'r-a': '192.168.99.2:8081,10000' });
    simulator.refreshMount();
    await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/');
    expect(simulator.servedRoutes).toEqual({});
    expect(simulator.generateRuns).toHaveLength(3);
  });

  it.each([
    ['a malformed value', { 'r-a': 'not-a-route' }, 'r-a'],
    ['a port out of range', { 'r-a': '192.168.99.2:8080,70000' }, 'r-a'],
    [
      'two routes on one proxy port',
      { 'r-a': '192.168.99.2:8080,10000', 'r-b': '192.168.99.3:8080,10000' },
      'duplicate listen port 10000',
    ],
  ])('refuses to generate from %s, as nginx would', async (_case, routes, complaint) => {
    const { run, simulator, setRoutes } = setUp();
    await setRoutes(routes);
    const result = await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes/');
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(complaint);
    expect(simulator.generateRuns).toHaveLength(0);
    expect(simulator.proxyRoutes).toEqual([]);
  });

  it('parses the served table into proxy routes', async () => {
    const { run, simulator, setRoutes } = setUp();
    // Destinations as real clients send them: app containers in the Docker network `gefyra up` passes.
    await setRoutes({ 'r-b': '172.18.0.2:8080,10001', 'r-a': ' 172.18.0.3:81,10000\n' });
    await run('/bin/bash', 'generate-proxyroutes.sh', '/stowaway/proxyroutes');
    expect(simulator.proxyRoutes).toEqual([
      { key: 'r-a', destinationIP: '172.18.0.3', destinationPort: 81, proxyPort: 10000 },
      { key: 'r-b', destinationIP: '172.18.0.2', destinationPort: 8080, proxyPort: 10001 },
    ]);
  });

  it('fails to generate from a directory other than the mount', async () => {
    const { run, simulator } = setUp();
    expect(await run('/bin/bash', 'generate-proxyroutes.sh', '/elsewhere/')).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: "ls: cannot access '/elsewhere/': No such file or directory\n",
    });
    expect(simulator.generateRuns).toHaveLength(0);
  });

  it('tracks sync directories', async () => {
    const { run, simulator } = setUp();
    await run('mkdir', '-p', '/rsync/web-1/web');
    await run('mkdir', '-p', '/rsync/web-2/web');
    await run('rm', '-rf', '/rsync/web-1/web');
    expect([...simulator.syncDirs]).toEqual(['web-2/web']);
  });

  it('makes parents with mkdir -p and removes whole trees with rm -rf, at any absolute path', async () => {
    const { run, simulator } = setUp();
    expect(await run('mkdir', '-p', '/rsync/web-1/web/logs')).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect([...simulator.syncDirs]).toEqual(['web-1/web']);
    await run('mkdir', '-p', '/rsync/web-2/web/');
    expect((await run('rm', '-rf', '/rsync/web-1')).exitCode).toBe(0);
    expect([...simulator.syncDirs]).toEqual(['web-2/web']);
    expect((await run('rm', '-rf', '/tmp/never-made')).exitCode).toBe(0);
    expect((await run('mkdir', '-p', 'relative')).exitCode).toBe(127);
  });

  it('answers cat of other paths as a shell would', async () => {
    const { run } = setUp();
    await run('mkdir', '-p', '/rsync/web-1/web');
    expect(await run('cat', '/etc/missing')).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'cat: /etc/missing: No such file or directory\n',
    });
    expect(await run('cat', '/rsync/web-1/web/')).toEqual({
      exitCode: 1,
      stdout: '',
      stderr: 'cat: read error: Is a directory\n',
    });
    expect((await run('cat', '/stowaway/proxyroutes')).stderr).toBe('cat: read error: Is a directory\n');
  });

  it('keeps a Stowaway with the exec readiness probe unready until the peer file exists, without logging the probes', async () => {
    const cluster = new SimulatedCluster({ namespaces: ['gefyra'] });
    const simulator = new StowawaySimulator({
      readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
      generated: false,
    });
    cluster.onExec(simulator.handle);
    await cluster.apply(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name: 'gefyra-stowaway', namespace: 'gefyra' },
        spec: {
          selector: { matchLabels: { app: 'stowaway' } },
          template: {
            metadata: { labels: { app: 'stowaway' } },
            spec: {
              containers: [
                {
                  name: 'stowaway',
                  image: 'quay.io/gefyra/stowaway:2',
                  readinessProbe: { exec: { command: ['cat', '/config/peer1/peer1.conf'] } },
                },
              ],
            },
          },
        },
      },
      signal(),
    );
    const [starting] = await cluster.listPods('gefyra', { app: 'stowaway' }, signal());
    expect(starting).toMatchObject({ phase: 'Running', ready: false });
    simulator.setGenerated(true);
    const [ready] = await cluster.listPods('gefyra', { app: 'stowaway' }, signal());
    expect(ready?.ready).toBe(true);
    expect(cluster.execLog).toEqual([]);
  });

  it('answers only in container stowaway of pods labelled app=stowaway', async () => {
    const { cluster } = setUp();
    const result = await cluster.exec(
      { namespace: 'gefyra', name: 'other', container: 'stowaway' },
      ['cat', '/config/peer1/peer1.conf'],
      signal(),
    );
    expect(result.exitCode).toBe(127);
  });
});

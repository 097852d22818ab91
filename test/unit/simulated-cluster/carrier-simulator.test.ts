import { timeoutSignal } from '../../support/waiting.js';
import { describe, expect, it } from 'vitest';
import { CarrierSimulator, SimulatedCluster } from '../../support/simulated-cluster/index.js';
import {
  CARRIER_BASE_CONFIG,
  CARRIER_STOP_COMMAND,
} from '../../support/simulated-cluster/simulators/carrier-simulator.js';

// Made per call, not at import: a signal started when the file loads could run out before a late test on a busy machine.
const signal = (): AbortSignal => timeoutSignal(5000);
const target = { namespace: 'app', name: 'web-1', container: 'web' };
const busybox = (script: string, ...args: string[]) => ['/bin/busybox', 'sh', script, ...args];
const UPSTREAM = 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000';

async function setUp(options: { carrierRuns?: boolean } = {}) {
  const cluster = new SimulatedCluster({ namespaces: ['app'] });
  cluster.addPod({
    metadata: { name: 'web-1', namespace: 'app' },
    spec: { containers: [{ name: 'web', image: 'nginx:1' }] },
  });
  const carrier = new CarrierSimulator({
    containerIdOf: (ref) => cluster.containerIdOf(ref),
    restartContainer: (ref) => cluster.restartContainer(ref),
  });
  cluster.onExec(carrier.handle);
  if (options.carrierRuns ?? true)
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier:2.0.0' } }, signal());
  const run = (...command: string[]) => cluster.exec(target, command, signal());
  const config = async () => (await run('cat', '/etc/nginx/nginx.conf')).stdout;
  return { cluster, carrier, run, config };
}

const count = (text: string, part: string): number => text.split(part).length - 1;

describe('CarrierSimulator', () => {
  it('does not answer while the container still runs its original image', async () => {
    const { run, carrier } = await setUp({ carrierRuns: false });
    expect((await run(...busybox('setroute.sh', '8080', UPSTREAM))).exitCode).toBe(127);
    expect(carrier.configurationOf(target)).toBeUndefined();
  });

  it('serves routes, probes and sync directories, and shows the config text the scripts wrote', async () => {
    const { cluster, run, carrier, config } = await setUp();
    expect(await config()).toBe(CARRIER_BASE_CONFIG);
    expect(await run(...busybox('setroute.sh', '8080', UPSTREAM))).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    await run(...busybox('setroute.sh', '80', 'proxy-10001:10001'));
    await run(...busybox('setprobe.sh', '8081'));
    await run(...busybox('syncdirs.sh', 'web-1/web', '/app/logs', '/tmp'));
    expect(carrier.configurationOf(target)).toMatchObject({
      containerID: cluster.containerIdOf(target),
      routes: [
        { containerPort: 80, upstream: 'proxy-10001:10001' },
        { containerPort: 8080, upstream: UPSTREAM },
      ],
      probePorts: [8081],
      syncDirectories: { 'web-1/web': ['/app/logs', '/tmp'] },
    });
    const text = await config();
    expect(text).toContain(
      `upstream stowaway-8080 {server ${UPSTREAM};} server {listen 8080; proxy_pass stowaway-8080;}`,
    );
    expect(text).toContain('server {listen 8081 default; location / {return 200;}}');
  });

  it('appends on every setroute.sh: a second one for a port fails with a duplicate upstream, and so does every reload after it until a restart', async () => {
    const { cluster, run, carrier, config } = await setUp();
    await run(...busybox('setroute.sh', '80', UPSTREAM));
    const second = await run(...busybox('setroute.sh', '80', UPSTREAM));
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(/^nginx: \[emerg\] duplicate upstream "stowaway-80" in \/etc\/nginx\/nginx.conf:\d+/);
    expect(count(await config(), 'upstream stowaway-80 ')).toBe(2);

    for (const later of [busybox('setprobe.sh', '8081'), busybox('setroute.sh', '9090', 'proxy-10002:10002')]) {
      const result = await run(...later);
      expect(result.exitCode, later.join(' ')).toBe(1);
      expect(result.stderr).toContain('duplicate upstream "stowaway-80"');
    }
    // nginx keeps serving what it loaded before the first failure.
    expect(carrier.configurationOf(target)).toMatchObject({
      routes: [{ containerPort: 80, upstream: UPSTREAM }],
      probePorts: [],
    });
    expect(count(await config(), 'upstream stowaway-')).toBe(3);

    cluster.restartContainer(target);
    expect(await config()).toBe(CARRIER_BASE_CONFIG);
    expect((await run(...busybox('setroute.sh', '80', UPSTREAM))).exitCode).toBe(0);
  });

  it('says nothing when a port is already taken: a probe on a routed port exits 0, is not served, and no later script takes effect', async () => {
    const { run, carrier, config } = await setUp();
    await run(...busybox('setroute.sh', '8080', UPSTREAM));
    expect(await run(...busybox('setprobe.sh', '8080'))).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    expect(await config()).toContain('server {listen 8080 default;');
    expect(carrier.configurationOf(target)).toMatchObject({ routes: [{ containerPort: 8080 }], probePorts: [] });

    expect((await run(...busybox('setprobe.sh', '8081'))).exitCode).toBe(0);
    expect(carrier.configurationOf(target)?.probePorts).toEqual([]);
  });

  it('fails an unresolved named port: nginx takes it for a host it cannot find, from then on', async () => {
    const { run, carrier } = await setUp();
    const named = await run(...busybox('setprobe.sh', 'http'));
    expect(named.exitCode).toBe(1);
    expect(named.stderr).toMatch(/^nginx: \[emerg\] host not found in "http" of the "listen" directive/);
    expect((await run(...busybox('setroute.sh', '80', UPSTREAM))).exitCode).toBe(1);
    expect(carrier.configurationOf(target)?.routes).toEqual([]);
  });

  it('passes badly formed arguments into the config, where nginx rejects them', async () => {
    for (const [command, error] of [
      [busybox('setroute.sh', '8080'), /no servers are inside upstream/],
      [busybox('setroute.sh', '8080', 'proxy'), /no port in upstream "proxy"/],
      [busybox('setroute.sh', '8080', 'proxy:99999'), /invalid port in upstream "proxy:99999"/],
      [busybox('setprobe.sh'), /host not found in "default" of the "listen" directive/],
      [busybox('setprobe.sh', '0'), /invalid port in "0" of the "listen" directive/],
    ] as const) {
      const { run } = await setUp();
      const result = await run(...command);
      expect(result.exitCode, command.join(' ')).toBe(1);
      expect(result.stderr, command.join(' ')).toMatch(error);
    }
  });

  it('rejects badly formed syncdirs.sh calls with a usage line', async () => {
    const { run, carrier } = await setUp();
    for (const command of [
      busybox('syncdirs.sh', 'web-1/web'),
      busybox('syncdirs.sh', 'web-1', '/app'),
      busybox('syncdirs.sh', 'web-1/web', 'relative'),
    ]) {
      const result = await run(...command);
      expect(result.exitCode, command.join(' ')).toBe(1);
      expect(result.stderr).toMatch(/^usage: /);
    }
    expect(carrier.configurationOf(target)).toBeUndefined();
  });

  it('starts a new container instance with the clean config when nginx is stopped', async () => {
    const { cluster, run, carrier, config } = await setUp();
    await run(...busybox('setroute.sh', '80', UPSTREAM));
    const before = cluster.containerIdOf(target);
    expect((await run(...CARRIER_STOP_COMMAND)).exitCode).toBe(0);
    expect(cluster.containerIdOf(target)).not.toBe(before);
    expect(cluster.peekPod(target)?.containerStatuses[0]?.restartCount).toBe(2);
    expect(carrier.configurationOf(target)).toBeUndefined();
    expect(await config()).toBe(CARRIER_BASE_CONFIG);
  });

  it('stops answering once the original image is restored', async () => {
    const { cluster, run } = await setUp();
    await cluster.patchPod(target, { images: { web: 'nginx:1' } }, signal());
    expect((await run(...busybox('setprobe.sh', '8081'))).exitCode).toBe(127);
  });
});

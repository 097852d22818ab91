import { describe, expect, it } from 'vitest';
import { CarrierSimulator, InMemoryCluster } from '../../../../src/adapters/in-memory/index.js';

const signal = AbortSignal.timeout(5000);
const target = { namespace: 'app', name: 'web-1', container: 'web' };
const busybox = (script: string, ...args: string[]) => ['/bin/busybox', 'sh', script, ...args];

async function setUp() {
  const cluster = new InMemoryCluster({ namespaces: ['app'] });
  cluster.addPod({ metadata: { name: 'web-1', namespace: 'app' }, spec: { containers: [{ name: 'web', image: 'nginx:1' }] } });
  const carrier = new CarrierSimulator({ containerIdOf: (ref) => cluster.containerIdOf(ref) });
  cluster.onExec(carrier.handle);
  const run = (...command: string[]) => cluster.exec(target, command, signal);
  return { cluster, carrier, run };
}

describe('CarrierSimulator', () => {
  it('does not answer while the container still runs its original image', async () => {
    const { run, carrier } = await setUp();
    expect((await run(...busybox('setroute.sh', '8080', 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000'))).exitCode).toBe(127);
    expect(carrier.configurationOf(target)).toBeUndefined();
  });

  it('records routes, probes and sync directories once Carrier runs', async () => {
    const { cluster, run, carrier } = await setUp();
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier:2.0.0' } }, signal);
    expect(await run(...busybox('setroute.sh', '8080', 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000'))).toEqual({ exitCode: 0, stdout: '', stderr: '' });
    await run(...busybox('setroute.sh', '80', 'proxy-10001:10001'));
    await run(...busybox('setroute.sh', '8080', 'proxy-10002:10002'));
    await run(...busybox('setprobe.sh', '8081'));
    await run(...busybox('syncdirs.sh', 'web-1/web', '/app/logs', '/tmp'));
    expect(carrier.configurationOf(target)).toEqual({
      containerID: cluster.containerIdOf(target),
      routes: [
        { containerPort: 80, upstream: 'proxy-10001:10001' },
        { containerPort: 8080, upstream: 'proxy-10002:10002' },
      ],
      probePorts: [8081],
      syncDirectories: { 'web-1/web': ['/app/logs', '/tmp'] },
    });
  });

  it('rejects badly formed calls with exit 1', async () => {
    const { cluster, run, carrier } = await setUp();
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier:2.0.0' } }, signal);
    for (const command of [
      busybox('setroute.sh', '8080'),
      busybox('setroute.sh', 'http', 'proxy:10000'),
      busybox('setroute.sh', '8080', 'proxy'),
      busybox('setroute.sh', '8080', 'proxy:99999'),
      busybox('setprobe.sh'),
      busybox('setprobe.sh', '0'),
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

  it('loses the configuration when the container restarts', async () => {
    const { cluster, run, carrier } = await setUp();
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier:2.0.0' } }, signal);
    await run(...busybox('setprobe.sh', '8081'));
    cluster.restartContainer(target);
    expect(carrier.configurationOf(target)).toBeUndefined();
    await run(...busybox('setroute.sh', '80', 'proxy:10000'));
    expect(carrier.configurationOf(target)).toMatchObject({ routes: [{ containerPort: 80, upstream: 'proxy:10000' }], probePorts: [] });
  });

  it('stops answering once the original image is restored', async () => {
    const { cluster, run } = await setUp();
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier:2.0.0' } }, signal);
    await cluster.patchPod(target, { images: { web: 'nginx:1' } }, signal);
    expect((await run(...busybox('setprobe.sh', '8081'))).exitCode).toBe(127);
  });
});

import { describe, expect, it } from 'vitest';
import { SimulatedCluster } from '../../support/simulated-cluster/index.js';
import { Carrier2Simulator } from '../../support/simulated-cluster/simulators/carrier2-simulator.js';
import { CARRIER2_IMAGE_CONFIG } from '../../support/simulated-cluster/simulators/carrier2-image-boot.js';
import { timeoutSignal } from '../../support/waiting.js';
import { carrier2PushCommand, carrier2PushOutcome } from '../../../src/plugins/carrier2/carrier2-push.js';

const signal = (): AbortSignal => timeoutSignal(5000);
const target = { namespace: 'shop', name: 'web-1', container: 'web' };
const UPSTREAM = 'web-app-gefyra-svc.shop.svc.cluster.local:8080';
const ALICE = 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000';

const config = (bridges: string) =>
  [
    CARRIER2_IMAGE_CONFIG.trimEnd(),
    'probes:',
    '  httpGet: [8081]',
    '  httpsGet: []',
    'proxy:',
    '  - port: 8080',
    `    clusterUpstream: ["${UPSTREAM}"]`,
    `    bridges:${bridges}`,
    '',
  ].join('\n');

/** The configuration with one bridge, alice, whose one rule is `match` (one YAML list entry). */
const alicesBridge = (match: string) =>
  config(`
      alice:
        endpoint: ${ALICE}
        rules:
          - match:
              ${match}`);

const aliceByHeader = alicesBridge('- matchHeader: { name: x-gefyra-user, value: alice, type: exact }');

async function setUp(options: { carrier2Runs?: boolean } = {}) {
  const cluster = new SimulatedCluster({ namespaces: ['shop'] });
  cluster.addPod({
    metadata: { name: 'web-1', namespace: 'shop' },
    spec: { containers: [{ name: 'web', image: 'shop/web:1' }] },
  });
  const carrier2 = new Carrier2Simulator();
  cluster.onExec(carrier2.handle);
  if (options.carrier2Runs ?? true)
    await cluster.patchPod(target, { images: { web: 'quay.io/gefyra/carrier2:2.5.4' } }, signal());
  const run = (...command: string[]) => cluster.exec(target, command, signal());
  const push = (yaml: string) => run(...carrier2PushCommand(yaml));
  return { cluster, carrier2, run, push };
}

describe('Carrier2Simulator', () => {
  it("refuses a matchPath without a type, as carrier2 2.5.4's serde does: a panic at load, the old carrier2 gone, nothing listening", async () => {
    const { carrier2, push } = await setUp();
    const result = await push(alicesBridge('- matchPath: { path: /api }'));
    expect(result.exitCode).toBe(0);
    const output = `${result.stdout}\n${result.stderr}`;
    expect(output).toContain('Bootstrap starting');
    expect(output).toContain(
      'thread \'main\' panicked at src/lib.rs:150:71:\ncalled `Result::unwrap()` on an `Err` value: Error("missing field `type`")',
    );
    expect(carrier2PushOutcome(output)).toMatchObject({ ok: false });
    // The SIGQUIT ended the carrier2 that ran; its successor never started.
    expect(carrier2.stateOf(target)).toMatchObject({ serving: undefined, processes: 0 });
  });

  it.each([
    ['a match type carrier2 does not know', '- matchPath: { path: /api, type: suffix }', 'unknown variant `suffix`'],
    ['a header without a value', '- matchHeader: { name: x-user }', 'missing field `value`'],
    [
      'two conditions in one entry',
      '- { matchPath: { path: /a, type: exact }, matchHeader: { name: a, value: b } }',
      'singleton',
    ],
  ])('panics at load on %s', async (_, entry, text) => {
    const { push } = await setUp();
    const result = await push(alicesBridge(entry));
    expect(`${result.stdout}${result.stderr}`).toMatch(/thread 'main' panicked at src\/lib\.rs:150:71/);
    expect(`${result.stdout}${result.stderr}`).toContain(text);
  });

  it('panics on a bridge without an endpoint, and on a clusterUpstream that is no socket address', async () => {
    const { push } = await setUp();
    const noEndpoint = await push(config(`\n      alice:\n        rules: []`));
    expect(noEndpoint.stdout + noEndpoint.stderr).toContain(
      "thread 'main' panicked at src/lib.rs:145:69:\ncalled `Option::unwrap()` on a `None` value",
    );
    const noPort = await push(aliceByHeader.replace(UPSTREAM, 'web-app-gefyra-svc.shop.svc.cluster.local'));
    expect(noPort.stdout + noPort.stderr).toContain("thread 'main' panicked at src/main.rs:218:77");
  });

  it('loads a regex that does not compile (carrier2 compiles rules per request) and panics on the request that reaches it', async () => {
    const { carrier2, push } = await setUp();
    const result = await push(alicesBridge('- matchPath: { path: "/api/(", type: regex }'));
    expect(carrier2PushOutcome(`${result.stdout}\n${result.stderr}`)).toEqual({ ok: true });
    expect(carrier2.route(target, 8080, { pathAndQuery: '/api/x', headers: {} })).toMatchObject({
      to: 'nothing',
      why: expect.stringContaining("thread 'tokio-runtime-worker' panicked at src/lib.rs:28:70"),
    });
  });

  it('boots as the image does: carrier2 runs on its built-in config, listens on nothing, and its pid file names it', async () => {
    const { carrier2, run } = await setUp();
    expect((await run('cat', '/tmp/config.yaml')).stdout).toBe(CARRIER2_IMAGE_CONFIG);
    const state = carrier2.stateOf(target);
    expect(state?.serving).toMatchObject({ listening: [] });
    expect((await run('cat', '/tmp/carrier2.pid')).stdout).toBe(String(state?.serving?.pid));
    expect(carrier2.route(target, 8080, { pathAndQuery: '/', headers: {} })).toMatchObject({ to: 'nothing' });
  });

  it('takes a push: writes the file, upgrades the running carrier2 (-u) and routes by the rules, header names as received (lowercased)', async () => {
    const { carrier2, push, run } = await setUp();
    const before = (await run('cat', '/tmp/carrier2.pid')).stdout;
    const result = await push(aliceByHeader);
    expect(carrier2PushOutcome(`${result.stdout}\n${result.stderr}`)).toEqual({ ok: true });
    // The upgrade's bootstrap is not redirected: it reaches the push's own streams.
    expect(result.stderr).toContain('Bootstrap starting');
    expect((await run('cat', '/tmp/config.yaml')).stdout).toBe(aliceByHeader);
    const state = carrier2.stateOf(target);
    expect(String(state?.serving?.pid)).not.toBe(before);
    expect(state).toMatchObject({ processes: 1, serving: { listening: [8080, 8081] } });
    expect((await run('cat', '/tmp/carrier2.pid.old')).stdout).toBe(before);
    expect(carrier2.route(target, 8080, { pathAndQuery: '/', headers: { 'X-Gefyra-User': 'alice' } })).toEqual({
      to: 'bridge',
      bridge: 'alice',
      endpoint: ALICE,
    });
    expect(carrier2.route(target, 8080, { pathAndQuery: '/', headers: { 'x-gefyra-user': 'bob' } })).toEqual({
      to: 'cluster',
      upstream: [UPSTREAM],
    });
  });

  it('starts carrier2 plain when its pid file names a carrier2 that is gone, its output in the log the push shows', async () => {
    const { carrier2, push, run } = await setUp();
    const booted = (await run('cat', '/tmp/carrier2.pid')).stdout;
    expect((await run('kill', '-INT', booted)).exitCode).toBe(0);
    expect(carrier2.stateOf(target)?.serving).toBeUndefined();
    const result = await push(aliceByHeader);
    expect(result.stdout).toContain('Bootstrap starting');
    expect(result.stderr).toBe('');
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([8080, 8081]);
  });

  it('a plain start while another carrier2 holds the ports cannot bind them (why the push upgrades)', async () => {
    const { carrier2, push, run } = await setUp();
    await push(aliceByHeader);
    const serving = carrier2.stateOf(target)?.serving?.pid;
    await run('busybox', 'sh', '-c', ': > /tmp/carrier.log; carrier2 -c /tmp/config.yaml -d > /tmp/carrier.log 2>&1');
    const log = (await run('cat', '/tmp/carrier.log')).stdout;
    expect(log).toContain("thread 'Pingora HTTP Proxy Service' panicked at");
    expect(log).toContain('Address already in use');
    expect(carrier2PushOutcome(log)).toMatchObject({ ok: false });
    // The second process runs without its proxy; the first keeps serving the port.
    expect(carrier2.stateOf(target)).toMatchObject({ processes: 2, serving: { listening: [] } });
    expect(carrier2.stateOf(target)?.serving?.pid).not.toBe(serving);
    expect(carrier2.route(target, 8080, { pathAndQuery: '/', headers: {} })).toEqual({
      to: 'cluster',
      upstream: [UPSTREAM],
    });
  });

  it('cannot listen on one port twice: a probe on a proxied port panics its thread', async () => {
    const { carrier2, push } = await setUp();
    const result = await push(aliceByHeader.replace('httpGet: [8081]', 'httpGet: [8080]'));
    expect(result.stdout + result.stderr).toContain("thread 'httpGet probe handler 8080' panicked at");
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([8080]);
  });

  it('fails an upgrade that nothing hands over to: "Bootstrap failed", no panic', async () => {
    const { run } = await setUp();
    const result = await run('busybox', 'sh', '-c', 'carrier2 -c /tmp/config.yaml -u -d');
    expect(result.stderr).toContain('Bootstrap failed on error');
    expect(result.exitCode).toBe(1);
  });

  it("`sh` is the image's entrypoint (a foreground carrier2 that never returns), `busybox sh` the shell", async () => {
    const { run } = await setUp();
    await expect(run('sh', '-c', 'echo hello')).rejects.toThrow(/never returns/);
    expect((await run('busybox', 'sh', '-c', 'echo hello')).stdout).toBe('hello\n');
  });

  it("runs Gefyra 2.5.4's own push, fed to `busybox sh` on stdin (its command from operator/gefyra/bridge/carrier2/const.py)", async () => {
    const { cluster, carrier2 } = await setUp();
    const pod = await cluster.findPod(target, signal());
    const reload = [
      'RUST_LOG=info; kill -SIGQUIT $(cat /tmp/carrier2.pid); if [ $? -eq 0 ];',
      'then RUST_LOG=info carrier2 -c /tmp/config.yaml -u -d &> /tmp/carrier.log;',
      'else RUST_LOG=info carrier2 -c /tmp/config.yaml -d &> /tmp/carrier.log; fi',
    ].join(' ');
    const stdin = [
      `cat <<'EOF' > /tmp/config.yaml`,
      aliceByHeader.trimEnd(),
      'EOF',
      reload,
      'cat /tmp/carrier.log',
      '',
    ].join('\n');
    const call = {
      ...target,
      pod: target.name,
      podObject: pod!,
      command: ['busybox', 'sh'],
      stdin: Buffer.from(stdin),
    };
    const result = await carrier2.handle(call);
    expect(result?.stdout).toContain('Bootstrap starting');
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([8080, 8081]);
  });

  it('forgets everything when the container restarts: the image boots again', async () => {
    const { cluster, carrier2, push, run } = await setUp();
    await push(aliceByHeader);
    cluster.restartContainer(target);
    expect((await run('cat', '/tmp/config.yaml')).stdout).toBe(CARRIER2_IMAGE_CONFIG);
    expect(carrier2.stateOf(target)?.serving?.listening).toEqual([]);
  });

  it('does not answer while the container still runs its original image', async () => {
    const { run } = await setUp({ carrier2Runs: false });
    expect((await run('busybox', 'sh', '-c', 'echo hello')).exitCode).toBe(127);
  });
});

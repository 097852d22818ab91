import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/control-plane/free-port.js';
import { writeKubeconfig } from '../support/control-plane/kubeconfig.js';
import { useControlPlane } from '../support/control-plane/vitest.js';
import { runOperatorCommand } from './support/operator-process.js';

/** Whether the operator got as far as starting its runtime (it must not, in any of these). */
const STARTED = 'gefyra-operator starting';

// `gefyra-operator run` where it cannot work: the process ends with exit code
// 1 and a message that says what to fix, without retrying and without
// starting its runtime. "Fails fast" is asserted by counting what it tried,
// never by timing it: a busy machine makes any time bound fail.
describe.concurrent('gefyra-operator run fails fast and clearly', () => {
  const cluster = useControlPlane();

  /** A kubeconfig with the control plane's credentials that points at 127.0.0.1:<port>. */
  async function kubeconfigFor(folder: string, name: string, port: number): Promise<string> {
    const admin = cluster.adminKubeConfig();
    const kubeconfig = join(folder, `${name}.kubeconfig`);
    await writeKubeconfig(kubeconfig, {
      server: `https://127.0.0.1:${port}`,
      caPem: Buffer.from(admin.getCurrentCluster()?.caData ?? '', 'base64').toString('utf8'),
      token: admin.getCurrentUser()?.token ?? '',
      name,
    });
    return kubeconfig;
  }

  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gefyra-e2e-cli-'));
  });
  afterAll(async () => await rm(dir, { recursive: true, force: true }));

  it('against an unreachable API server', async () => {
    const port = await findFreePort();
    const kubeconfig = await kubeconfigFor(dir, 'unreachable', port);

    const result = await runOperatorCommand(['run', '--kubeconfig', kubeconfig], { GEFYRA_HEALTH_PORT: '0' }, 60_000);

    expect(result, result.stderr).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toMatch(
      new RegExp(`cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${port}`),
    );
    expect(result.stdout + result.stderr).not.toContain(STARTED);
  });

  it('against an API server that drops every connection, after one attempt', async () => {
    const dropping = await droppingServer();
    try {
      const kubeconfig = await kubeconfigFor(dir, 'dropping', dropping.port);

      const result = await runOperatorCommand(['run', '--kubeconfig', kubeconfig], { GEFYRA_HEALTH_PORT: '0' }, 60_000);

      expect(result, result.stderr).toMatchObject({ code: 1, signal: null });
      expect(result.stderr).toMatch(
        new RegExp(`cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${dropping.port}`),
      );
      expect(result.stdout + result.stderr).not.toContain(STARTED);
      expect(dropping.connections()).toBe(1);
    } finally {
      await dropping.close();
    }
  });

  it('with a kubeconfig file that does not exist', async () => {
    const missing = join(dir, 'nowhere', 'config');
    const result = await runOperatorCommand(['run', '--kubeconfig', missing], { GEFYRA_HEALTH_PORT: '0' }, 60_000);

    expect(result, result.stderr).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toContain(`kubeconfig ${missing} does not exist`);
    expect(result.stdout + result.stderr).not.toContain(STARTED);
  });

  it('with no kubeconfig at all (no --kubeconfig, no KUBECONFIG, no ~/.kube/config, not in a pod)', async () => {
    const result = await runOperatorCommand(
      ['run'],
      { HOME: dir, KUBECONFIG: undefined, GEFYRA_HEALTH_PORT: '0' },
      60_000,
    );

    expect(result, result.stderr).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toMatch(/no kubeconfig found: set KUBECONFIG or run inside a cluster/);
    expect(result.stdout + result.stderr).not.toContain(STARTED);
  });
});

/** A TCP server on loopback that accepts each connection and drops it at once, counting them. */
async function droppingServer(): Promise<{ port: number; connections(): number; close(): Promise<void> }> {
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the dropping server has no TCP address');
  return {
    port: address.port,
    connections: () => accepted,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

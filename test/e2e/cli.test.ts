import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findFreePort } from '../support/control-plane/free-port.js';
import { writeKubeconfig } from '../support/control-plane/kubeconfig.js';
import { useControlPlane } from '../support/control-plane/vitest.js';
import { runOperatorCommand } from './support/operator-process.js';

/** Fails fast: well before the 15 s the reachability check may wait for an answer. */
const FAST_MS = 12_000;

// `gefyra-operator run` where it cannot work: the process ends at once with
// exit code 1 and a message that says what to fix. The three run at once.
describe.concurrent('gefyra-operator run fails fast and clearly', () => {
  const cluster = useControlPlane();
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'gefyra-e2e-cli-'));
  });
  afterAll(async () => await rm(dir, { recursive: true, force: true }));

  it('against an unreachable API server', async () => {
    const admin = cluster.adminKubeConfig();
    const port = await findFreePort();
    const kubeconfig = join(dir, 'unreachable.kubeconfig');
    await writeKubeconfig(kubeconfig, {
      server: `https://127.0.0.1:${port}`,
      caPem: Buffer.from(admin.getCurrentCluster()?.caData ?? '', 'base64').toString('utf8'),
      token: admin.getCurrentUser()?.token ?? '',
      name: 'unreachable',
    });

    const result = await runOperatorCommand(['run', '--kubeconfig', kubeconfig], { GEFYRA_HEALTH_PORT: '0' }, 60_000);

    expect(result, result.stderr).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toMatch(new RegExp(`cannot reach the Kubernetes API server at https://127\\.0\\.0\\.1:${port}`));
    expect(result.durationMs).toBeLessThan(FAST_MS);
  });

  it('with a kubeconfig file that does not exist', async () => {
    const missing = join(dir, 'nowhere', 'config');
    const result = await runOperatorCommand(['run', '--kubeconfig', missing], { GEFYRA_HEALTH_PORT: '0' }, 60_000);

    expect(result, result.stderr).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toContain(`kubeconfig ${missing} does not exist`);
    expect(result.durationMs).toBeLessThan(FAST_MS);
  });

  it('with no kubeconfig at all (no --kubeconfig, no KUBECONFIG, no ~/.kube/config, not in a pod)', async () => {
    const result = await runOperatorCommand(['run'], { HOME: dir, KUBECONFIG: undefined, GEFYRA_HEALTH_PORT: '0' }, 60_000);

    expect(result, result.stderr).toMatchObject({ code: 1, signal: null });
    expect(result.stderr).toMatch(/no kubeconfig found: set KUBECONFIG or run inside a cluster/);
    expect(result.durationMs).toBeLessThan(FAST_MS);
  });
});

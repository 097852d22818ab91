// `npm start -- --real-node` as a developer runs it in a terminal: the local
// cluster on a real node with the operator as a pod from its image, until
// Ctrl-C (SIGINT to the whole foreground process group), after which nothing
// of it is left on the host. Skipped with one line where the machine cannot
// run the node (the unavailable path itself: test/unit/start).
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../support/control-plane/kubeconfig.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { captureHostState, hostStateChanges } from '../support/real-node/host-state.js';
import { readyOperatorPod } from '../support/real-node/real-node-cluster.js';
import { provisionRealNode, removeStaleCgroupRoots, staleCgroupRoots } from '../support/real-node/real-node.js';

const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
const provisioned = await provisionRealNode();
const unavailable = 'unavailable' in provisioned ? provisioned.unavailable : undefined;
if (unavailable !== undefined) process.stderr.write(`[real-node] tier skipped: ${unavailable}\n`);

describe.skipIf(unavailable !== undefined)('npm start -- --real-node', () => {
  let groupLeader: number | undefined;
  afterAll(() => {
    // Only if the test failed before its Ctrl-C: the group's processes stop the node on SIGTERM.
    if (groupLeader !== undefined) process.kill(-groupLeader, 'SIGTERM');
  });

  it('runs the operator as a pod Ready on the real node, and Ctrl-C stops everything: a clean stop, the host as it was', async () => {
    await removeStaleCgroupRoots();
    const hostBefore = await captureHostState();
    const startedAt = Date.now();
    // Its own process group, as a terminal's foreground job: Ctrl-C signals every process of it.
    const start = spawn('npm', ['start', '--', '--real-node'], {
      cwd: REPO_DIR,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, GEFYRA_CLIENT_CONTRACT: '0.13' },
    });
    groupLeader = start.pid;
    let stdout = '';
    let stderr = '';
    start.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    start.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      start.once('exit', (code, signal) => resolve({ code, signal })),
    );

    const kubeconfigPath = await pollUntil(
      'npm start printing the node’s kubeconfig',
      async () => {
        if (start.exitCode !== null) throw new Error(`npm start exited ${start.exitCode}:\n${stderr}`);
        return /export KUBECONFIG=(\S+)/.exec(stdout)?.[1];
      },
      { timeoutMs: 600_000, intervalMs: 1_000 },
    ).catch((error: unknown) => {
      throw new Error(`${(error as Error).message}\nstderr:\n${stderr}`);
    });
    process.stderr.write(
      `[real-node npm start] operator pod Ready ${((Date.now() - startedAt) / 1000).toFixed(1)} s after npm start\n`,
    );
    const pod = await readyOperatorPod(loadKubeConfig(kubeconfigPath));
    expect(pod?.metadata?.name).toBeDefined();
    expect(stdout).toContain(`kubectl logs -n gefyra ${pod?.metadata?.name}`);

    const interruptedAt = Date.now();
    process.kill(-(start.pid as number), 'SIGINT');
    const end = await exited;
    groupLeader = undefined;
    process.stderr.write(
      `[real-node npm start] Ctrl-C -> exited in ${((Date.now() - interruptedAt) / 1000).toFixed(1)} s\n`,
    );
    // npm, having forwarded the SIGINT to the script and waited for it, ends by the same signal (a shell shows 130),
    // as a terminal expects of Ctrl-C; the script's clean stop is its last line.
    expect({ end, stderr: stderr.split('\n').filter((line) => /error|cannot|fail/i.test(line)) }).toEqual({
      end: { code: null, signal: 'SIGINT' },
      stderr: [],
    });
    expect(stderr.trimEnd().split('\n').at(-1)).toBe('gefyra-operator: stopped');
    expect(hostStateChanges(hostBefore, await captureHostState())).toEqual([]);
    // The node ran in npm start's process, not this one: its cgroup root is one the comparison leaves out as another run's.
    expect(await staleCgroupRoots()).toEqual([]);
  }, 900_000);
});

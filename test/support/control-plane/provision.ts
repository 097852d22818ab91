import { spawn } from 'node:child_process';
import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

export const CONTROL_PLANE_BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler'] as const;

const PROVISION_SCRIPT = fileURLToPath(new URL('../../../scripts/provision-control-plane.sh', import.meta.url));

export interface ProvisionOptions {
  /** Receives each progress line of the script (stderr). Defaults to writing them to stderr. */
  readonly onProgress?: (line: string) => void;
  /** Extra environment for the script, on top of this process's (e.g. GEFYRA_CONTROL_PLANE_BIN). */
  readonly env?: Readonly<Record<string, string>>;
}

/**
 * Returns the directory holding etcd and the kube-* binaries, running
 * scripts/provision-control-plane.sh first (it is idempotent: a cached build
 * returns at once; the first run installs packages and builds for minutes).
 * The script honours GEFYRA_CONTROL_PLANE_BIN.
 */
export async function provisionControlPlane(options: ProvisionOptions = {}): Promise<string> {
  const onProgress = options.onProgress ?? ((line: string) => process.stderr.write(`${line}\n`));
  const child = spawn('bash', [PROVISION_SCRIPT], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  let lastStdoutLine = '';
  createInterface({ input: child.stdout }).on('line', (line) => {
    if (line.trim() !== '') lastStdoutLine = line.trim();
  });
  const tail: string[] = [];
  createInterface({ input: child.stderr }).on('line', (line) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    onProgress(line);
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  if (code !== 0) {
    throw new Error(`${PROVISION_SCRIPT} failed with exit code ${code}. Last output:\n${tail.join('\n')}`);
  }
  await assertBinaries(lastStdoutLine);
  return lastStdoutLine;
}

/** Fails clearly when `dir` lacks one of the four binaries. */
export async function assertBinaries(dir: string): Promise<void> {
  for (const binary of CONTROL_PLANE_BINARIES) {
    try {
      await access(join(dir, binary), constants.X_OK);
    } catch {
      throw new Error(
        `no executable ${binary} in ${JSON.stringify(dir)}; run scripts/provision-control-plane.sh or set GEFYRA_CONTROL_PLANE_BIN`,
      );
    }
  }
}

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface KubernetesVersion {
  readonly major: number;
  readonly minor: number;
  /** As the binary prints it, e.g. `v1.20.2`. */
  readonly gitVersion: string;
}

/**
 * Reads the version of the kube-apiserver in `binDir`. Flags differ between
 * releases (insecure ports existed until 1.23/1.24), and binaries a user points
 * GEFYRA_CONTROL_PLANE_BIN at may be newer than the ones built here.
 */
export async function readKubernetesVersion(binDir: string): Promise<KubernetesVersion> {
  const { stdout } = await run(join(binDir, 'kube-apiserver'), ['--version']);
  const match = /v(\d+)\.(\d+)\.\S*/.exec(stdout);
  if (match === null) throw new Error(`cannot read a version from kube-apiserver --version: ${stdout.trim()}`);
  return { major: Number(match[1]), minor: Number(match[2]), gitVersion: match[0] };
}

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { DEFAULT_OPERATOR_IMAGE } from '../../src/install/install-manifests.js';
import { writeOciArchive } from './oci-archive.js';
import { assembleOperatorRootfs } from './operator-rootfs.js';
import { OPERATOR_IMAGE_RECIPE, type ImageRecipe } from './recipe.js';

const run = promisify(execFile);
const REPO_DIR = fileURLToPath(new URL('../..', import.meta.url));
/** The base image's PATH (node:<major>-bookworm-slim); Node.js is in /usr/local/bin there and here. */
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BuildImageOptions {
  /** Defaults to the image deploy/ runs, so that its manifests need no change on a node that imported it. */
  readonly reference?: string;
  /** Defaults to .tmp/image/gefyra-operator.oci.tar in the repository. */
  readonly archivePath?: string;
  readonly progress?: (line: string) => void;
}

export interface BuiltImage {
  readonly archivePath: string;
  readonly reference: string;
  readonly manifestDigest: string;
  /** The image ID (what a kubelet on containerd reports as a container's imageID). */
  readonly configDigest: string;
  readonly seconds: number;
}

export function imageCacheDir(): string {
  const root =
    process.env['GEFYRA_CACHE_DIR'] ??
    join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'gefyra-operator');
  return join(root, 'image');
}

/**
 * Builds the operator's image without a container engine, from the same recipe
 * as the Dockerfile, and writes it as an OCI archive. Reproducible: the same
 * commit and lock file give the same manifest digest (every mtime is the
 * commit's time, or SOURCE_DATE_EPOCH).
 */
export async function buildOperatorImage(options: BuildImageOptions = {}): Promise<BuiltImage> {
  const startedAt = Date.now();
  const progress = options.progress ?? ((line: string) => process.stderr.write(`[image] ${line}\n`));
  const recipe = OPERATOR_IMAGE_RECIPE;
  const reference = options.reference ?? DEFAULT_OPERATOR_IMAGE;
  const archivePath = options.archivePath ?? join(REPO_DIR, '.tmp', 'image', 'gefyra-operator.oci.tar');
  const cacheDir = imageCacheDir();
  const nodeBinary = join(REPO_DIR, 'node_modules', 'node', 'bin', 'node');
  await assertNodeMajor(nodeBinary, recipe.nodeMajor);
  await mkdir(cacheDir, { recursive: true });
  await mkdir(join(archivePath, '..'), { recursive: true });
  const rootfs = await mkdtemp(join(cacheDir, 'rootfs-'));
  try {
    await assembleOperatorRootfs(recipe, rootfs, { repoDir: REPO_DIR, cacheDir, nodeBinary, progress });
    progress(`writing ${archivePath}`);
    const { manifestDigest, configDigest } = await writeOciArchive({
      rootfs,
      config: imageConfig(recipe),
      reference,
      mtimeEpoch: await sourceDateEpoch(),
      archivePath,
    });
    const seconds = (Date.now() - startedAt) / 1000;
    progress(`${reference} (manifest ${manifestDigest}) in ${seconds.toFixed(1)} s`);
    return { archivePath, reference, manifestDigest, configDigest, seconds };
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

function imageConfig(recipe: ImageRecipe) {
  return {
    User: recipe.user,
    Env: [`PATH=${BASE_PATH}`, ...Object.entries(recipe.env).map(([name, value]) => `${name}=${value}`)],
    Entrypoint: recipe.entrypoint,
    Cmd: recipe.cmd,
    WorkingDir: recipe.workdir,
    ExposedPorts: Object.fromEntries(recipe.exposedPorts.map((port) => [`${port}/tcp`, {}])),
  };
}

async function assertNodeMajor(nodeBinary: string, major: number): Promise<void> {
  const { stdout } = await run(nodeBinary, ['--version']).catch(() => {
    throw new Error(
      `no Node.js at ${nodeBinary}: run npm ci (the devDependency "node" brings it from the npm registry)`,
    );
  });
  if (!stdout.startsWith(`v${major}.`)) {
    throw new Error(`${nodeBinary} is ${stdout.trim()}, the recipe wants Node.js ${major}`);
  }
}

async function sourceDateEpoch(): Promise<number> {
  const fromEnvironment = process.env['SOURCE_DATE_EPOCH'];
  if (fromEnvironment !== undefined && /^\d+$/.test(fromEnvironment)) return Number(fromEnvironment);
  try {
    const { stdout } = await run('git', ['-C', REPO_DIR, 'log', '-1', '--format=%ct']);
    return Number(stdout.trim());
  } catch {
    return 0;
  }
}

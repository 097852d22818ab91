import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import type { ImageFile, ImageRecipe } from './recipe.js';

const run = promisify(execFile);

/**
 * Debian's part of `node:<major>-bookworm-slim` that Node.js needs: the C and C++
 * runtimes (what `ldd node` lists), and dash, which ships /bin/sh, for image/python.
 */
const DEBIAN_PACKAGES = ['libc6', 'libgcc-s1', 'libstdc++6', 'dash'] as const;
/** Documentation and translations: not needed to run, and the slim images leave them out too. */
const PRUNED = ['usr/share/doc', 'usr/share/man', 'usr/share/info', 'usr/share/lintian', 'usr/share/locale'];
const NON_ROOT_NAME = 'nonroot';

export interface RootfsInputs {
  readonly repoDir: string;
  /** Where downloaded packages and installed production dependencies are kept between builds. */
  readonly cacheDir: string;
  /** The Node.js binary (the `node` package's, from the npm registry). */
  readonly nodeBinary: string;
  readonly progress: (line: string) => void;
}

/** Lays out the image's root file system in `rootfs` from the recipe, the way the Dockerfile's stages do. */
export async function assembleOperatorRootfs(recipe: ImageRecipe, rootfs: string, inputs: RootfsInputs): Promise<void> {
  for (const deb of await debianPackages(inputs)) await run('dpkg-deb', ['-x', deb, rootfs]);
  await Promise.all(PRUNED.map(async (path) => await rm(join(rootfs, path), { recursive: true, force: true })));
  await copyInto(rootfs, '/usr/local/bin/node', inputs.nodeBinary);
  await writeUsers(rootfs, recipe.user);
  await mkdir(join(rootfs, 'tmp'), { mode: 0o1777 });
  await mkdir(join(rootfs, recipe.workdir), { recursive: true });

  // dist/ of this build only: builds of other checkouts share the cache directory, and may run at once.
  const dist = await mkdtemp(join(inputs.cacheDir, 'dist-'));
  // mkdtemp makes it 0700; it becomes /app/dist, which the image's non-root user must read.
  await chmod(dist, 0o755);
  try {
    const built = await buildStage(inputs, dist);
    for (const file of recipe.files) {
      await copyInto(rootfs, file.to, file.from === 'build' ? built(file) : join(inputs.repoDir, file.path));
    }
  } finally {
    await rm(dist, { recursive: true, force: true });
  }
}

async function copyInto(rootfs: string, to: string, source: string): Promise<void> {
  const target = join(rootfs, to);
  await mkdir(dirname(target), { recursive: true });
  await cp(source, target, { recursive: true, verbatimSymlinks: true });
}

/** `apt-get download`s each package once into the cache; returns the .deb files. */
async function debianPackages({ cacheDir, progress }: RootfsInputs): Promise<string[]> {
  const dir = join(cacheDir, 'debs');
  await mkdir(dir, { recursive: true });
  const cached = async (name: string): Promise<string | undefined> =>
    (await readdir(dir)).find((file) => file.startsWith(`${name}_`) && file.endsWith('.deb'));
  const debs: string[] = [];
  for (const name of DEBIAN_PACKAGES) {
    if ((await cached(name)) === undefined) {
      progress(`downloading Debian package ${name}`);
      await run('apt-get', ['download', '-qq', name], { cwd: dir });
    }
    const file = await cached(name);
    if (file === undefined) throw new Error(`apt-get download ${name} left no .deb in ${dir}`);
    debs.push(join(dir, file));
  }
  return debs;
}

/** /etc/passwd and /etc/group: root, and a name for the recipe's numeric user (Node's os.userInfo() needs one). */
async function writeUsers(rootfs: string, user: string): Promise<void> {
  const [uid, gid = uid] = user.split(':');
  await mkdir(join(rootfs, 'etc'), { recursive: true });
  await writeFile(
    join(rootfs, 'etc/passwd'),
    `root:x:0:0:root:/root:/bin/sh\n${NON_ROOT_NAME}:x:${uid}:${gid}:${NON_ROOT_NAME}:/nonexistent:/usr/sbin/nologin\n`,
  );
  await writeFile(join(rootfs, 'etc/group'), `root:x:0:\n${NON_ROOT_NAME}:x:${gid}:\n`);
}

/**
 * The Dockerfile's build stage: package.json, the production dependencies
 * (`npm ci --omit=dev`, cached by the lock file's hash) and dist/ compiled from
 * src/. Returns where each of its files is.
 */
async function buildStage(
  { repoDir, cacheDir, progress }: RootfsInputs,
  dist: string,
): Promise<(file: ImageFile) => string> {
  const lock = await readFile(join(repoDir, 'package-lock.json'));
  const lockHash = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const dependencies = join(cacheDir, `production-dependencies-${lockHash}`);
  if (!(await exists(join(dependencies, 'node_modules')))) {
    progress('installing production dependencies (npm ci --omit=dev)');
    const staging = `${dependencies}.partial`;
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    await cp(join(repoDir, 'package.json'), join(staging, 'package.json'));
    await cp(join(repoDir, 'package-lock.json'), join(staging, 'package-lock.json'));
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: staging });
    await rm(dependencies, { recursive: true, force: true });
    await rename(staging, dependencies);
  }
  progress('compiling src/ (tsc -p tsconfig.build.json)');
  await run(join(repoDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', dist], {
    cwd: repoDir,
  });
  const made: Record<string, string> = {
    'package.json': join(repoDir, 'package.json'),
    node_modules: join(dependencies, 'node_modules'),
    dist,
  };
  return (file) => {
    const path = made[file.path];
    if (path === undefined) throw new Error(`the build stage makes no ${file.path}`);
    return path;
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await readdir(path);
    return true;
  } catch {
    return false;
  }
}

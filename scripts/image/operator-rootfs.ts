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

  const built = await buildStage(inputs);
  try {
    for (const file of recipe.files) {
      await copyInto(rootfs, file.to, file.from === 'build' ? built.path(file) : join(inputs.repoDir, file.path));
    }
  } finally {
    await built.remove();
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

/** The build stage's two slow commands, each writing into the directory it is given. */
export interface BuildCommands {
  installProductionDependencies(dir: string): Promise<void>;
  compile(outDir: string): Promise<void>;
}

/** `npm ci --omit=dev` and `tsc -p tsconfig.build.json`, as the Dockerfile's build stage runs them. */
function npmAndTsc(repoDir: string): BuildCommands {
  return {
    installProductionDependencies: async (dir) => {
      await cp(join(repoDir, 'package.json'), join(dir, 'package.json'));
      await cp(join(repoDir, 'package-lock.json'), join(dir, 'package-lock.json'));
      await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--ignore-scripts'], { cwd: dir });
    },
    compile: async (outDir) =>
      void (await run(join(repoDir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.build.json', '--outDir', outDir], {
        cwd: repoDir,
      })),
  };
}

export interface BuildStage {
  /** Where a file of the build stage is. */
  path(file: ImageFile): string;
  /** Removes what this build alone made (its dist/); the dependencies stay cached. */
  remove(): Promise<void>;
}

/**
 * The Dockerfile's build stage: package.json, the production dependencies
 * (`npm ci --omit=dev`, cached by the lock file's hash) and dist/ compiled from
 * src/. Builds of other worktrees may run at the same time on one machine and
 * share the cache: each compiles into a directory of its own, and a dependency
 * install goes to a directory of its own that becomes the cached one only if
 * no other build's got there first.
 */
export async function buildStage(
  { repoDir, cacheDir, progress }: Pick<RootfsInputs, 'repoDir' | 'cacheDir' | 'progress'>,
  commands: BuildCommands = npmAndTsc(repoDir),
): Promise<BuildStage> {
  const lock = await readFile(join(repoDir, 'package-lock.json'));
  const lockHash = createHash('sha256').update(lock).digest('hex').slice(0, 16);
  const dependencies = join(cacheDir, `production-dependencies-${lockHash}`);
  if (!(await exists(join(dependencies, 'node_modules')))) {
    progress('installing production dependencies (npm ci --omit=dev)');
    const staging = await mkdtemp(`${dependencies}.partial-`);
    try {
      await commands.installProductionDependencies(staging);
      await rename(staging, dependencies).catch(async (error: unknown) => {
        const code = (error as NodeJS.ErrnoException).code;
        if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await exists(join(dependencies, 'node_modules')))) return;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
        // Neither another build's install nor empty: what an interrupted older build left.
        await rm(dependencies, { recursive: true, force: true });
        await rename(staging, dependencies);
      });
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }
  const dist = await mkdtemp(join(cacheDir, 'dist-'));
  // mkdtemp makes it 0700, and the copy into the image keeps the mode: the image's user could not enter it.
  await chmod(dist, 0o755);
  progress('compiling src/ (tsc -p tsconfig.build.json)');
  try {
    await commands.compile(dist);
  } catch (error) {
    await rm(dist, { recursive: true, force: true });
    throw error;
  }
  const made: Record<string, string> = {
    'package.json': join(repoDir, 'package.json'),
    node_modules: join(dependencies, 'node_modules'),
    dist,
  };
  return {
    path: (file) => {
      const path = made[file.path];
      if (path === undefined) throw new Error(`the build stage makes no ${file.path}`);
      return path;
    },
    remove: async () => await rm(dist, { recursive: true, force: true }),
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

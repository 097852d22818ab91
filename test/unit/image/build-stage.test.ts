import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildStage, type BuildCommands } from '../../../scripts/image/operator-rootfs.js';

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'build-stage-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A worktree: the build stage reads its lock file. */
function worktree(): string {
  const dir = tempDir();
  writeFileSync(join(dir, 'package.json'), '{}');
  writeFileSync(join(dir, 'package-lock.json'), '{"lockfileVersion":3}');
  return dir;
}

/**
 * Stand-ins for npm and tsc that write which build ran them, and wait for every
 * build to have started before they finish: the builds overlap, as two
 * worktrees' `npm run image` (or two real-node test files) do on one machine.
 */
function overlappingCommands(builds: number): (name: string) => BuildCommands {
  let started = 0;
  let release: () => void = () => undefined;
  const allStarted = new Promise<void>((resolve) => (release = resolve));
  const overlap = async (): Promise<void> => {
    started += 1;
    if (started === builds) release();
    await allStarted;
  };
  return (name) => ({
    installProductionDependencies: async (dir) => {
      await overlap();
      await mkdir(join(dir, 'node_modules'), { recursive: true });
      await writeFile(join(dir, 'node_modules', 'installed-by'), name);
    },
    compile: async (outDir) => {
      await overlap();
      await mkdir(join(outDir, 'cli'), { recursive: true });
      await writeFile(join(outDir, 'cli', 'compiled-by'), name);
    },
  });
}

const dist = { from: 'build', path: 'dist', to: '/app/dist' } as const;
const nodeModules = { from: 'build', path: 'node_modules', to: '/app/node_modules' } as const;

describe('the image build stage (scripts/image/operator-rootfs.ts) with a cache other builds share', () => {
  it('compiles each build’s dist/ into a directory of its own, which its removal leaves the others', async () => {
    const cacheDir = tempDir();
    const commands = overlappingCommands(2);
    const inputs = (repoDir: string) => ({ repoDir, cacheDir, progress: () => undefined });
    const [first, second] = await Promise.all([
      buildStage(inputs(worktree()), commands('first')),
      buildStage(inputs(worktree()), commands('second')),
    ]);
    expect(first.path(dist)).not.toBe(second.path(dist));
    // Copied into the image with its mode: the image's user (65532) must be able to enter it.
    expect(statSync(first.path(dist)).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(first.path(dist), 'cli', 'compiled-by'), 'utf8')).toBe('first');
    expect(readFileSync(join(second.path(dist), 'cli', 'compiled-by'), 'utf8')).toBe('second');
    await first.remove();
    expect(existsSync(first.path(dist))).toBe(false);
    expect(readFileSync(join(second.path(dist), 'cli', 'compiled-by'), 'utf8')).toBe('second');
    await second.remove();
  });

  it('keeps one cached install of the production dependencies when two builds install them at once', async () => {
    const cacheDir = tempDir();
    const commands = overlappingCommands(2);
    const repoDir = worktree();
    const [first, second] = await Promise.all([
      buildStage({ repoDir, cacheDir, progress: () => undefined }, commands('first')),
      buildStage({ repoDir, cacheDir, progress: () => undefined }, commands('second')),
    ]);
    expect(first.path(nodeModules)).toBe(second.path(nodeModules));
    expect(['first', 'second']).toContain(readFileSync(join(first.path(nodeModules), 'installed-by'), 'utf8'));
    // Nothing half-made is left in the cache: the one install, and the two dist/ until removed.
    await Promise.all([first.remove(), second.remove()]);
    expect(readdirSync(cacheDir)).toEqual([first.path(nodeModules).split('/').at(-2)]);
  });
});

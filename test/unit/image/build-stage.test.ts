import { createHash } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildStage } from '../../../scripts/image/operator-rootfs.js';

/**
 * A checkout whose `tsc` writes its own name into --outDir after a pause
 * (long enough for a second build to start meanwhile), with the production
 * dependencies already in the shared cache, as after a first build.
 */
async function checkout(root: string, name: string): Promise<string> {
  const repoDir = join(root, name);
  await mkdir(join(repoDir, 'node_modules/.bin'), { recursive: true });
  await writeFile(join(repoDir, 'package.json'), '{}');
  await writeFile(join(repoDir, 'package-lock.json'), '{"lockfileVersion": 3}');
  const tsc = join(repoDir, 'node_modules/.bin/tsc');
  await writeFile(
    tsc,
    `#!/bin/sh\nwhile [ "$1" != "--outDir" ]; do shift; done\nsleep 0.5\nmkdir -p "$2"\necho ${name} > "$2/compiled-from"\n`,
  );
  await chmod(tsc, 0o755);
  return repoDir;
}

describe('the image build stage (npm run image)', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('compiles each build’s dist/ apart: two checkouts building at once with one cache each get their own', async () => {
    root = await mkdtemp(join(tmpdir(), 'gefyra-build-stage-'));
    const cacheDir = join(root, 'cache');
    const [a, b] = [await checkout(root, 'checkout-a'), await checkout(root, 'checkout-b')];
    // The lock files are equal: both builds find the same cached production dependencies.
    const hash = createHash('sha256').update('{"lockfileVersion": 3}').digest('hex').slice(0, 16);
    await mkdir(join(cacheDir, `production-dependencies-${hash}`, 'node_modules'), { recursive: true });

    const progress = (): void => undefined;
    const [stageA, stageB] = await Promise.all(
      [a, b].map(async (repoDir) => await buildStage({ repoDir, cacheDir, nodeBinary: 'unused', progress })),
    );
    const dist = { from: 'build', path: 'dist', to: '/app/dist' } as const;
    expect((await readFile(join(stageA!.pathOf(dist), 'compiled-from'), 'utf8')).trim()).toBe('checkout-a');
    expect((await readFile(join(stageB!.pathOf(dist), 'compiled-from'), 'utf8')).trim()).toBe('checkout-b');
    await Promise.all([stageA!.dispose(), stageB!.dispose()]);
    expect((await readdir(cacheDir)).filter((entry) => entry.startsWith('dist'))).toEqual([]);
  });
});

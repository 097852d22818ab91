import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { IMAGE_NODE_FLAGS } from '../../e2e/support/operator-process.js';

/**
 * What can be checked of the image and the command without a container
 * engine: the build produces the entry point the Dockerfile and the bin
 * script name, and the command refuses an old Node.js clearly.
 */
const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');
const entry = join(root, 'bin', 'gefyra-operator.js');

const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
  if (!existsSync(path)) return false;
  const result = spawnVersion(path);
  return result !== undefined && result < 24;
});

function spawnVersion(path: string): number | undefined {
  try {
    return Number(execFileSync(path, ['-p', 'process.versions.node'], { encoding: 'utf8' }).split('.')[0]);
  } catch {
    return undefined;
  }
}

describe('packaging', () => {
  beforeAll(async () => {
    await run(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json')],
      { cwd: root },
    );
  }, 120_000);

  it('builds the entry point that bin/gefyra-operator.js and the Dockerfile start', async () => {
    expect(existsSync(join(root, 'dist', 'cli', 'main.js'))).toBe(true);
    const { stdout } = await run(process.execPath, [entry, '--help'], { cwd: root });
    expect(stdout).toMatch(/^gefyra-operator: the cluster side of Gefyra/);
    const { stdout: yaml } = await run(process.execPath, [entry, 'manifests'], { cwd: root });
    expect(yaml).toMatch(/kind: CustomResourceDefinition/);
  });

  it('builds the offline test kit that gefyra-operator/testing names, usable from plain Node.js', async () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, string> };
    const kit = pkg.exports['./testing'] ?? '';
    expect(existsSync(join(root, kit))).toBe(true);
    const script = `
      const kit = await import(${JSON.stringify(join(root, kit))});
      const operator = await kit.createInMemoryOperator();
      const outcome = await kit.servicesOf(operator).boot.reconcile(new AbortController().signal);
      await operator.stop();
      console.log(JSON.stringify({ exports: Object.keys(kit).sort(), boot: outcome.state }));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: root });
    expect(JSON.parse(stdout)).toEqual({
      exports: expect.arrayContaining([
        'InMemoryCluster',
        'InMemoryRouteStore',
        'InMemoryWatchSource',
        'ManualClock',
        'createInMemoryOperator',
        'servicesOf',
      ]),
      boot: 'waiting',
    });
  });

  it('has a Dockerfile whose sources and entry point exist', () => {
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:24/m);
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) =>
      (match[1] ?? '').split(/\s+/),
    );
    expect(copied.length).toBeGreaterThan(3);
    for (const source of copied) expect(existsSync(join(root, source)), source).toBe(true);
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? '[]') as string[];
    // The benchmark starts the built operator with the same flags, so its figures are the image's.
    expect(entrypoint).toEqual(['node', ...IMAGE_NODE_FLAGS, 'bin/gefyra-operator.js']);
    expect(existsSync(join(root, 'bin/gefyra-operator.js'))).toBe(true);
    expect(dockerfile).toMatch(/^USER 65532/m);
  });

  it.runIf(oldNode)('refuses an old Node.js with what to do instead', async () => {
    const failure = await run(oldNode as string, [entry, '--help'], { cwd: root }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect(failure).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/needs Node.js 24 or newer, but this is Node.js \d+.*npm start/s),
    });
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, mkdirSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeOciArchive, type ImageConfig } from '../../../scripts/image/oci-archive.js';

const CONFIG: ImageConfig = {
  User: '65532:65532',
  Env: ['PATH=/bin'],
  Entrypoint: ['/bin/app'],
  Cmd: ['run'],
  WorkingDir: '/app',
  ExposedPorts: { '8080/tcp': {} },
};

const dirs: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'oci-archive-test-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A small root file system; `mtime` and `mode` vary what a reproducible build must ignore. */
function rootfs(mtime: number, mode: number): string {
  const dir = tempDir();
  mkdirSync(join(dir, 'app/bin'), { recursive: true });
  writeFileSync(join(dir, 'app/bin/app'), '#!/bin/sh\necho hi\n');
  chmodSync(join(dir, 'app/bin/app'), mode);
  writeFileSync(join(dir, 'etc-passwd'), 'root:x:0:0::/:/bin/sh\n');
  for (const path of ['app/bin/app', 'app/bin', 'app', 'etc-passwd']) utimesSync(join(dir, path), mtime, mtime);
  return dir;
}

async function build(fs: string, reference = 'example.test/app:1'): Promise<{ digest: string; archive: string }> {
  const archive = join(tempDir(), 'image.tar');
  const { manifestDigest } = await writeOciArchive({
    rootfs: fs,
    config: CONFIG,
    reference,
    mtimeEpoch: 1_700_000_000,
    archivePath: archive,
  });
  return { digest: manifestDigest, archive };
}

function readLayout(archive: string): (path: string) => string {
  const dir = tempDir();
  execFileSync('tar', ['-xf', archive, '-C', dir]);
  return (path) => readFileSync(join(dir, path), 'utf8');
}

describe('writeOciArchive', () => {
  it('gives the same bytes for the same content, whatever the files’ mtimes and group-write bits', async () => {
    const first = await build(rootfs(1_000, 0o755));
    const second = await build(rootfs(2_000_000, 0o775));
    expect(second.digest).toBe(first.digest);
    expect(readFileSync(second.archive).equals(readFileSync(first.archive))).toBe(true);
  });

  it('gives another digest when a file changes', async () => {
    const changed = rootfs(1_000, 0o755);
    writeFileSync(join(changed, 'app/bin/app'), '#!/bin/sh\necho bye\n');
    expect((await build(changed)).digest).not.toBe((await build(rootfs(1_000, 0o755))).digest);
  });

  it('writes an OCI layout: index naming the image for containerd, manifest, config with the layer’s diff id', async () => {
    const { digest, archive } = await build(rootfs(1_000, 0o755), 'ghcr.io/gefyra/gefyra-operator:0.1.0');
    const read = readLayout(archive);
    const blob = (d: string): string => read(`blobs/sha256/${d.slice('sha256:'.length)}`);
    expect(JSON.parse(read('oci-layout'))).toEqual({ imageLayoutVersion: '1.0.0' });
    const index = JSON.parse(read('index.json'));
    expect(index.manifests).toHaveLength(1);
    expect(index.manifests[0].digest).toBe(digest);
    expect(index.manifests[0].annotations['io.containerd.image.name']).toBe('ghcr.io/gefyra/gefyra-operator:0.1.0');
    const manifest = JSON.parse(blob(digest));
    const config = JSON.parse(blob(manifest.config.digest));
    expect(config.config).toEqual(CONFIG);
    expect(config.rootfs.diff_ids).toEqual([manifest.layers[0].digest]);
    const layer = join(tempDir(), 'layer.tar');
    writeFileSync(layer, blob(manifest.layers[0].digest), 'latin1');
    const listing = execFileSync('tar', ['-tvf', layer, '--numeric-owner'], { encoding: 'utf8' });
    expect(listing).toContain('-rwxr-xr-x 0/0');
    expect(listing).not.toMatch(/^\S+ \S+ +\d+ \S+ \S+ \.\//m);
  });
});

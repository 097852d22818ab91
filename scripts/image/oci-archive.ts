import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * GNU tar made reproducible: entries sorted, one mtime, owner root, no atime or
 * ctime, modes without group/other write (a developer's umask does not leak in).
 */
function reproducibleTarArgs(mtimeEpoch: number): string[] {
  return [
    '--sort=name',
    `--mtime=@${mtimeEpoch}`,
    '--owner=0',
    '--group=0',
    '--numeric-owner',
    '--mode=go-w',
    '--format=posix',
    '--pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime',
  ];
}

/** Writes `dir`'s contents (its top-level entries, sorted; no `./` entry) as a reproducible tar. */
export async function writeReproducibleTar(dir: string, tarPath: string, mtimeEpoch: number): Promise<void> {
  const entries = (await readdir(dir)).sort();
  await run('tar', [...reproducibleTarArgs(mtimeEpoch), '-C', dir, '-cf', tarPath, '--', ...entries]);
}

async function sha256Of(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations?: Readonly<Record<string, string>>;
}

export interface ImageConfig {
  readonly User: string;
  readonly Env: readonly string[];
  readonly Entrypoint: readonly string[];
  readonly Cmd: readonly string[];
  readonly WorkingDir: string;
  readonly ExposedPorts: Readonly<Record<string, Record<string, never>>>;
}

export interface OciArchiveSpec {
  /** A directory holding the image's root file system: becomes its one layer. */
  readonly rootfs: string;
  readonly config: ImageConfig;
  /** Full reference, e.g. ghcr.io/gefyra/gefyra-operator:0.1.0: what containerd names the image on import. */
  readonly reference: string;
  /** Seconds since the epoch for every mtime and the config's `created`. */
  readonly mtimeEpoch: number;
  /** The `.tar` to write (an OCI image layout, as `buildah push oci-archive:` writes it). */
  readonly archivePath: string;
}

/**
 * Writes an OCI image layout (oci-layout, index.json, blobs/sha256/…) with one
 * uncompressed layer and packs it as a tar. Same inputs, same bytes: two
 * builds of one tree give the same manifest digest. Returns it and the config's
 * digest (the image ID containerd reports for the image).
 */
export async function writeOciArchive(spec: OciArchiveSpec): Promise<{ manifestDigest: string; configDigest: string }> {
  const layout = await mkdtemp(join(dirname(spec.archivePath), '.oci-layout-'));
  try {
    const blobs = join(layout, 'blobs', 'sha256');
    await mkdir(blobs, { recursive: true });
    const addBlob = async (path: string, mediaType: string): Promise<Descriptor> => {
      const { digest, size } = await sha256Of(path);
      await rename(path, join(blobs, digest.slice('sha256:'.length)));
      return { mediaType, digest, size };
    };
    const addJsonBlob = async (value: unknown, mediaType: string): Promise<Descriptor> => {
      const path = join(layout, 'blob.json');
      await writeFile(path, JSON.stringify(value));
      return await addBlob(path, mediaType);
    };

    const layerPath = join(layout, 'layer.tar');
    await writeReproducibleTar(spec.rootfs, layerPath, spec.mtimeEpoch);
    const layer = await addBlob(layerPath, 'application/vnd.oci.image.layer.v1.tar');
    const config = await addJsonBlob(
      {
        created: new Date(spec.mtimeEpoch * 1000).toISOString(),
        architecture: 'amd64',
        os: 'linux',
        config: spec.config,
        rootfs: { type: 'layers', diff_ids: [layer.digest] },
      },
      'application/vnd.oci.image.config.v1+json',
    );
    const manifest = await addJsonBlob(
      {
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config,
        layers: [layer],
      },
      'application/vnd.oci.image.manifest.v1+json',
    );
    const tag = spec.reference.slice(spec.reference.lastIndexOf(':') + 1);
    await writeFile(
      join(layout, 'index.json'),
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          {
            ...manifest,
            annotations: {
              // containerd's import names the image after this one (ctr -n k8s.io images import).
              'io.containerd.image.name': spec.reference,
              'org.opencontainers.image.ref.name': tag,
            },
          },
        ],
      }),
    );
    await writeFile(join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
    const partial = `${spec.archivePath}.partial`;
    await writeReproducibleTar(layout, partial, spec.mtimeEpoch);
    await rename(partial, spec.archivePath);
    return { manifestDigest: manifest.digest, configDigest: config.digest };
  } finally {
    await rm(layout, { recursive: true, force: true });
  }
}

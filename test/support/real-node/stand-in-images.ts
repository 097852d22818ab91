import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeOciArchive } from '../../../scripts/image/oci-archive.js';
import { GEFYRA_RELEASE } from '../../../src/gefyra-release.js';
import { NODE_IP } from './node-config.js';

const run = promisify(execFile);
const DATA_PLANE_IMAGES = fileURLToPath(new URL('../control-plane/data-plane/images', import.meta.url));

/** The image reference the operator's Stowaway Deployment names by default (GEFYRA_STOWAWAY_IMAGE:release). */
export const STOWAWAY_IMAGE = `quay.io/gefyra/stowaway:${GEFYRA_RELEASE}`;

/**
 * Stowaway's stand-in as an image: the data-plane tier's scripts (WireGuard in
 * user space with one peer, nginx stream for the proxy routes, the peer file
 * written last, which makes the pod Ready) on Debian's bash, coreutils,
 * iproute2, wireguard-go, wireguard-tools and nginx with its stream module,
 * each package with what it depends on, copied from this machine's installation.
 */
export async function buildStowawayStandIn(archivePath: string): Promise<void> {
  const rootfs = await mkdtemp(join(tmpdir(), 'gefyra-stowaway-stand-in-'));
  try {
    await copyInstalledPackages(
      ['bash', 'coreutils', 'iproute2', 'wireguard-go', 'wireguard-tools', 'nginx', 'libnginx-mod-stream'],
      rootfs,
    );
    const copy = async (name: string, to: string, mode: number): Promise<void> => {
      await mkdir(dirname(join(rootfs, to)), { recursive: true });
      await cp(join(DATA_PLANE_IMAGES, 'stowaway', name), join(rootfs, to));
      await chmod(join(rootfs, to), mode);
    };
    await copy('nginx.conf', '/etc/nginx/nginx.conf', 0o644);
    await copy('generate-proxyroutes.sh', '/generate-proxyroutes.sh', 0o755);
    await copy('entrypoint.sh', '/entrypoint.sh', 0o755);
    for (const dir of ['tmp', 'run', 'var/lib/nginx', 'var/log/nginx', 'etc/nginx/stream.d']) {
      await mkdir(join(rootfs, dir), { recursive: true, mode: 0o1777 });
    }
    await writeFile(
      join(rootfs, 'etc/passwd'),
      'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
    );
    await writeFile(join(rootfs, 'etc/group'), 'root:x:0:\nwww-data:x:33:\n');
    await writeOciArchive({
      rootfs,
      reference: STOWAWAY_IMAGE,
      mtimeEpoch: 0,
      archivePath,
      config: {
        User: '0:0',
        // The real image finds the node's external address itself; here it is the node's only one.
        Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', `SERVERURL=${NODE_IP}`],
        Entrypoint: ['/bin/bash', '/entrypoint.sh'],
        Cmd: [],
        WorkingDir: '/',
        ExposedPorts: { '51820/udp': {} },
      },
    });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

/** Copies the files of `packages` and of every installed package they depend on (first installed alternative). */
async function copyInstalledPackages(packages: readonly string[], rootfs: string): Promise<void> {
  const seen = new Set<string>();
  const queue = [...packages];
  while (queue.length > 0) {
    const name = queue.shift() as string;
    if (seen.has(name)) continue;
    seen.add(name);
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Depends},${Pre-Depends}', name]);
    for (const dependency of stdout
      .split(',')
      .map((entry) => entry.trim())
      .filter(Boolean)) {
      for (const alternative of dependency.split('|').map((entry) => entry.trim().split(/[\s:]/)[0] as string)) {
        if (await installed(alternative)) {
          queue.push(alternative);
          break;
        }
      }
    }
  }
  const files: string[] = [];
  for (const name of seen) {
    const { stdout } = await run('dpkg-query', ['-L', name], { maxBuffer: 16 * 1024 * 1024 });
    files.push(
      ...stdout
        .split('\n')
        .filter((path) => path.startsWith('/') && !/^\/usr\/share\/(doc|man|info|locale)\//.test(path)),
    );
  }
  // Directories come with their files (and /lib64 and the like are symbolic links to directories on a merged /usr).
  const entries: string[] = [];
  for (const path of files) {
    const stats = await stat(path).catch(() => undefined);
    if (stats !== undefined && !stats.isDirectory()) entries.push(path.slice(1));
  }
  const list = join(rootfs, '..', `${rootfs.split('/').at(-1)}.files`);
  await writeFile(list, entries.join('\n'));
  try {
    await run('tar', ['--no-recursion', '-C', '/', '-cf', `${list}.tar`, '-T', list], { maxBuffer: 1024 * 1024 });
    await run('tar', ['-C', rootfs, '-xpf', `${list}.tar`]);
  } finally {
    await rm(list, { force: true });
    await rm(`${list}.tar`, { force: true });
  }
}

async function installed(name: string): Promise<boolean> {
  try {
    const { stdout } = await run('dpkg-query', ['-W', '-f=${Status}', name]);
    return stdout.includes('install ok installed');
  } catch {
    return false;
  }
}

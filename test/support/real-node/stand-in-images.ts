import { execFile } from 'node:child_process';
import { chmod, cp, mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { writeOciArchive, type ImageConfig } from '../../../scripts/image/oci-archive.js';
import { GEFYRA_RELEASE } from '../../../src/gefyra-release.js';
import { STOWAWAY2 } from '../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { STOWAWAY2_RELEASE } from '../../../src/plugins/shared/stowaway-common-settings.js';
import { NODE_IP } from './node-config.js';

const run = promisify(execFile);
const DATA_PLANE_IMAGES = fileURLToPath(new URL('../control-plane/data-plane/images', import.meta.url));

/** The image reference the operator's Stowaway Deployment names by default (GEFYRA_STOWAWAY_IMAGE:release). */
export const STOWAWAY_IMAGE = `quay.io/gefyra/stowaway:${GEFYRA_RELEASE}`;

/** The image reference Gefyra 2's Stowaway StatefulSet names by default (GEFYRA_STOWAWAY_IMAGE:2.x release). */
export const STOWAWAY2_IMAGE = `quay.io/gefyra/stowaway:${STOWAWAY2_RELEASE}`;

/** The image reference the operator patches into an intercepted container by default (GEFYRA_CARRIER_IMAGE:release). */
export const CARRIER_IMAGE = `quay.io/gefyra/carrier:${GEFYRA_RELEASE}`;

/** A workload to intercept: answers HTTP on {@link DEMO_APP_PORT} with {@link demoAppBody} of its pod. */
export const DEMO_APP_IMAGE = 'example.com/gefyra-test/demo-app:1.0';
export const DEMO_APP_PORT = 8080;

/** What the demo app answers: the pod that answered (its host name), and that it is the original container. */
export function demoAppBody(pod: string): string {
  return `demo app ${pod}: original`;
}

const PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NGINX_DIRECTORIES = ['tmp', 'run', 'var/lib/nginx', 'var/log/nginx'];
const ROOT_AND_NGINX_USERS = {
  passwd: 'root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n',
  group: 'root:x:0:\nwww-data:x:33:\n',
};

interface StandInImage {
  readonly reference: string;
  /** Debian packages copied from this machine, with every installed package they depend on. */
  readonly packages: readonly string[];
  /** Files of the data-plane tier's images (`<image>/<name>`) and where they go, with their mode. */
  readonly files: readonly { readonly from: string; readonly to: string; readonly mode: number }[];
  /** Files only the real node's image has (the data-plane tier runs the scripts without a kubelet), with their text. */
  readonly written?: readonly { readonly to: string; readonly mode: number; readonly text: string }[];
  readonly directories: readonly string[];
  readonly users: { readonly passwd: string; readonly group: string };
  /** Links every applet of Debian's busybox in /usr/local/bin, as busybox-based images (Alpine's) have them. */
  readonly busyboxApplets?: boolean;
  readonly config: ImageConfig;
}

/** Builds a stand-in image as an OCI archive (`ctr images import` names it `image.reference`). */
async function buildStandIn(image: StandInImage, archivePath: string): Promise<void> {
  const rootfs = await mkdtemp(join(tmpdir(), 'gefyra-stand-in-'));
  try {
    await copyInstalledPackages(image.packages, rootfs);
    for (const file of image.files) {
      await mkdir(dirname(join(rootfs, file.to)), { recursive: true });
      await cp(join(DATA_PLANE_IMAGES, file.from), join(rootfs, file.to));
      await chmod(join(rootfs, file.to), file.mode);
    }
    for (const file of image.written ?? []) {
      await mkdir(dirname(join(rootfs, file.to)), { recursive: true });
      await writeFile(join(rootfs, file.to), file.text, { mode: file.mode });
    }
    for (const dir of image.directories) await mkdir(join(rootfs, dir), { recursive: true, mode: 0o1777 });
    if (image.busyboxApplets === true) await linkBusyboxApplets(rootfs);
    await mkdir(join(rootfs, 'etc'), { recursive: true });
    await writeFile(join(rootfs, 'etc/passwd'), image.users.passwd);
    await writeFile(join(rootfs, 'etc/group'), image.users.group);
    await writeOciArchive({ rootfs, reference: image.reference, mtimeEpoch: 0, archivePath, config: image.config });
  } finally {
    await rm(rootfs, { recursive: true, force: true });
  }
}

/**
 * Stowaway's stand-in as an image: the data-plane tier's scripts (WireGuard in
 * user space with one peer, nginx stream for the proxy routes, the peer file
 * written last, which makes the pod Ready) on Debian's bash, coreutils,
 * iproute2, wireguard-go, wireguard-tools and nginx with its stream module,
 * each package with what it depends on, copied from this machine's installation.
 */
export async function buildStowawayStandIn(archivePath: string): Promise<void> {
  await buildStandIn(
    {
      reference: STOWAWAY_IMAGE,
      packages: ['bash', 'coreutils', 'iproute2', 'wireguard-go', 'wireguard-tools', 'nginx', 'libnginx-mod-stream'],
      files: [
        { from: 'stowaway/nginx.conf', to: '/etc/nginx/nginx.conf', mode: 0o644 },
        { from: 'stowaway/generate-proxyroutes.sh', to: '/generate-proxyroutes.sh', mode: 0o755 },
        { from: 'stowaway/entrypoint.sh', to: '/entrypoint.sh', mode: 0o755 },
      ],
      directories: [...NGINX_DIRECTORIES, 'etc/nginx/stream.d'],
      users: ROOT_AND_NGINX_USERS,
      config: {
        User: '0:0',
        // The real image finds the node's external address itself; here it is the node's only one.
        Env: [PATH, `SERVERURL=${NODE_IP}`],
        Entrypoint: ['/bin/bash', '/entrypoint.sh'],
        Cmd: [],
        WorkingDir: '/',
        ExposedPorts: { '51820/udp': {} },
      },
    },
    archivePath,
  );
}

/**
 * Stowaway 2.x's stand-in as an image: the data-plane tier's `images/stowaway2`
 * (the 2.5 image's start with PEERS "0", its generate-proxyroutes.sh and the
 * routes' watcher) on the packages of Stowaway's stand-in, and what a kubelet
 * needs besides: the image's health server on 51822, which every probe of the
 * operator's StatefulSet asks, answering 200 once `wg` shows wg0 listening on
 * 51820 and 404 before. busybox httpd serves a file that a loop writes from
 * `wg` once a second: a check per request (a CGI script) piled up processes on a
 * busy node, where each took longer than the probes' 1 s period and time-out.
 */
export async function buildStowaway2StandIn(archivePath: string): Promise<void> {
  const { wireGuardPort, healthPort } = STOWAWAY2;
  const start = [
    '#!/bin/bash',
    `/bin/busybox httpd -p ${healthPort} -h /health`,
    '(',
    '  while sleep 1; do',
    `    if [ "$(wg show wg0 listen-port 2>/dev/null)" = "${wireGuardPort}" ]; then`,
    `      [ -f /health/index.html ] || echo "listening port: ${wireGuardPort}" > /health/index.html`,
    '    else',
    '      rm -f /health/index.html',
    '    fi',
    '  done',
    ') &',
    'exec /bin/bash /entrypoint.sh',
    '',
  ].join('\n');
  await buildStandIn(
    {
      reference: STOWAWAY2_IMAGE,
      packages: [
        'bash',
        'busybox',
        'coreutils',
        'iproute2',
        'wireguard-go',
        'wireguard-tools',
        'nginx',
        'libnginx-mod-stream',
      ],
      files: [
        { from: 'stowaway2/nginx.conf', to: '/etc/nginx/nginx.conf', mode: 0o644 },
        { from: 'stowaway2/generate-proxyroutes.sh', to: '/generate-proxyroutes.sh', mode: 0o755 },
        { from: 'stowaway2/entrypoint.sh', to: '/entrypoint.sh', mode: 0o755 },
      ],
      written: [{ to: '/start.sh', mode: 0o755, text: start }],
      directories: [...NGINX_DIRECTORIES, 'health'],
      users: ROOT_AND_NGINX_USERS,
      config: {
        User: '0:0',
        Env: [PATH],
        Entrypoint: ['/bin/bash', '/start.sh'],
        Cmd: [],
        WorkingDir: '/',
        ExposedPorts: { [`${wireGuardPort}/udp`]: {}, [`${healthPort}/tcp`]: {} },
      },
    },
    archivePath,
  );
}

/**
 * Carrier's stand-in as an image: the data-plane tier's nginx.conf and its
 * setroute.sh, setprobe.sh and syncdirs.sh (the real scripts' argv and
 * non-idempotent semantics) in the working directory `/`, run by the operator
 * as `/bin/busybox sh <script>` (Debian's busybox with its applets linked, as
 * in the real image's Alpine base: the scripts call sed and mkdir by name),
 * nginx with its stream module in the foreground.
 */
export async function buildCarrierStandIn(archivePath: string): Promise<void> {
  await buildStandIn(
    {
      reference: CARRIER_IMAGE,
      packages: ['busybox', 'nginx', 'libnginx-mod-stream'],
      busyboxApplets: true,
      files: [
        { from: 'carrier/nginx.conf', to: '/etc/nginx/nginx.conf', mode: 0o644 },
        { from: 'carrier/setroute.sh', to: '/setroute.sh', mode: 0o644 },
        { from: 'carrier/setprobe.sh', to: '/setprobe.sh', mode: 0o644 },
        { from: 'carrier/syncdirs.sh', to: '/syncdirs.sh', mode: 0o644 },
      ],
      directories: NGINX_DIRECTORIES,
      users: ROOT_AND_NGINX_USERS,
      config: {
        User: '0:0',
        Env: [PATH],
        Entrypoint: ['nginx', '-g', 'daemon off;'],
        Cmd: [],
        WorkingDir: '/',
        ExposedPorts: {},
      },
    },
    archivePath,
  );
}

/**
 * The workload an intercept replaces: Debian's busybox, whose httpd answers
 * every path on {@link DEMO_APP_PORT} with {@link demoAppBody} of its pod
 * (the host name the kubelet gives the container). The command is the image's,
 * not the pod's, as for most workloads: the intercepted container keeps the
 * pod's command and gets Carrier's image, so a pod-level command would replace
 * Carrier's. With `sleep` as the pod's command it is a client (busybox wget).
 */
export async function buildDemoAppImage(archivePath: string): Promise<void> {
  // A shell in front of httpd for SIGTERM (PID 1 ignores it without a handler): the kubelet's stop of the
  // original container for Carrier then takes no terminationGracePeriodSeconds.
  const serve = [
    `mkdir -p /tmp/www && echo "${demoAppBody('$(hostname)')}" > /tmp/www/index.html`,
    `httpd -f -p ${DEMO_APP_PORT} -h /tmp/www &`,
    'trap "kill $!" TERM',
    'wait',
  ].join('\n');
  await buildStandIn(
    {
      reference: DEMO_APP_IMAGE,
      packages: ['busybox'],
      busyboxApplets: true,
      files: [],
      directories: ['tmp'],
      users: { passwd: 'root:x:0:0:root:/root:/bin/sh\n', group: 'root:x:0:\n' },
      config: {
        User: '0:0',
        Env: [PATH],
        Entrypoint: ['/bin/busybox', 'sh', '-c', serve],
        Cmd: [],
        WorkingDir: '/',
        ExposedPorts: { [`${DEMO_APP_PORT}/tcp`]: {} },
      },
    },
    archivePath,
  );
}

async function linkBusyboxApplets(rootfs: string): Promise<void> {
  const { stdout } = await run('/bin/busybox', ['--list']);
  await mkdir(join(rootfs, 'usr/local/bin'), { recursive: true });
  for (const applet of stdout.split('\n').filter(Boolean)) {
    await symlink('/bin/busybox', join(rootfs, 'usr/local/bin', applet));
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

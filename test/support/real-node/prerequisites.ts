import { access, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { cgroupHierarchies } from './host-state.js';

/** Host commands the node runs; the provisioning script installs the packages that bring them. */
const COMMANDS = [
  'containerd',
  'containerd-shim-runc-v2',
  'runc',
  'ctr',
  'iptables',
  'unshare',
  'nsenter',
  'ip',
  'dnsmasq',
  // Copied, with their packages' files, into the stand-in images (Stowaway, Carrier, the demo app);
  // wireguard-go, wg and busybox also run the developer's machine next to the node.
  'nginx',
  'wireguard-go',
  'wg',
  'busybox',
];
const CNI_PLUGINS = ['bridge', 'host-local', 'loopback', 'portmap'];
export const NODE_BINARIES = ['kubelet', 'kube-proxy', 'pause'] as const;
const PROVISION = 'scripts/provision-real-node.sh';

/**
 * Why this machine cannot run the real node whatever is installed, in one line,
 * or undefined. Root is needed for namespaces, mounts and cgroups; cgroup v1
 * hierarchies for the kubelet (runc works on this hybrid layout, crun does not).
 */
export async function machineUnavailableReason(): Promise<string | undefined> {
  if (process.platform !== 'linux') return `the real-node tier runs on Linux only (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the real-node tier needs root (namespaces, mounts, cgroups)';
  const hierarchies = await cgroupHierarchies();
  for (const needed of ['memory', 'cpuset', 'cpu', 'pids']) {
    if (!hierarchies.some((path) => path.endsWith(`/${needed}`) || path.includes(`/${needed},`))) {
      return `the real-node tier needs the cgroup v1 "${needed}" hierarchy (found: ${hierarchies.join(', ') || 'none'})`;
    }
  }
  return undefined;
}

/** What provisioning should have brought and did not, in one line naming the script; undefined when all is there. */
export async function installationMissing(binDir: string): Promise<string | undefined> {
  for (const command of COMMANDS) {
    if (!(await onPath(command))) return `${command} is missing: run ${PROVISION}`;
  }
  if (!(await accessible('/usr/lib/nginx/modules/ngx_stream_module.so', constants.R_OK))) {
    return `nginx's stream module is missing: run ${PROVISION}`;
  }
  for (const plugin of CNI_PLUGINS) {
    if (!(await executable(join('/usr/lib/cni', plugin)))) return `CNI plugin ${plugin} is missing: run ${PROVISION}`;
  }
  for (const binary of NODE_BINARIES) {
    if (!(await executable(join(binDir, binary)))) return `${binary} is missing in ${binDir}: run ${PROVISION}`;
  }
  return undefined;
}

async function executable(path: string): Promise<boolean> {
  return await accessible(path, constants.X_OK);
}

async function accessible(path: string, mode: number): Promise<boolean> {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
}

async function onPath(command: string): Promise<boolean> {
  for (const dir of (process.env['PATH'] ?? '').split(':').concat(['/usr/sbin', '/sbin'])) {
    if (dir !== '' && (await executable(join(dir, command)))) return true;
  }
  return false;
}

import { execFile } from 'node:child_process';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The global settings a kubelet and kube-proxy write (real-node.md, "Blockers")
 * and the per-namespace ones the node sets in its own namespace: read in this
 * process's (the host's) namespaces, they must not change.
 */
export const WATCHED_SYSCTLS = [
  'vm/overcommit_memory',
  'vm/panic_on_oom',
  'kernel/panic',
  'kernel/panic_on_oops',
  'kernel/keys/root_maxkeys',
  'kernel/keys/root_maxbytes',
  'net/netfilter/nf_conntrack_max',
  'net/netfilter/nf_conntrack_tcp_timeout_established',
  'net/netfilter/nf_conntrack_tcp_timeout_close_wait',
  'net/ipv4/ip_forward',
  'net/ipv4/conf/all/route_localnet',
  'net/bridge/bridge-nf-call-iptables',
] as const;

/** Default paths of a node's components: none may appear on (or vanish from) the host. */
export const WATCHED_PATHS = [
  '/lib/modules',
  '/var/lib/kubelet',
  '/var/lib/containerd',
  '/var/lib/cni',
  '/var/log/pods',
  '/var/log/containers',
  '/etc/cni',
  '/opt/cni',
  '/run/containerd',
] as const;

/** What the real node could change on the host, as text that compares line by line. */
export interface HostState {
  readonly paths: readonly string[];
  readonly iptables: string;
  readonly sysctls: Readonly<Record<string, string>>;
  readonly mounts: readonly string[];
  readonly cgroups: readonly string[];
  readonly links: readonly string[];
}

export async function captureHostState(): Promise<HostState> {
  const [paths, iptables, sysctls, mounts, cgroups, links] = await Promise.all([
    existingPaths(),
    iptablesRules(),
    readSysctls(),
    mountPoints(),
    cgroupDirs(),
    networkLinks(),
  ]);
  return { paths, iptables, sysctls, mounts, cgroups, links };
}

/** Lines that differ between two snapshots, each saying what and how; empty when the host is as it was. */
export function hostStateChanges(before: HostState, after: HostState): string[] {
  const changes: string[] = [];
  const lines = (text: string): string[] => text.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
  const compareLists = (what: string, was: readonly string[], now: readonly string[]): void => {
    for (const line of now) if (!was.includes(line)) changes.push(`${what} added: ${line}`);
    for (const line of was) if (!now.includes(line)) changes.push(`${what} removed: ${line}`);
  };
  compareLists('path', before.paths, after.paths);
  compareLists('iptables rule', lines(before.iptables), lines(after.iptables));
  for (const name of WATCHED_SYSCTLS) {
    if (before.sysctls[name] !== after.sysctls[name]) {
      changes.push(`sysctl ${name}: ${before.sysctls[name]} -> ${after.sysctls[name]}`);
    }
  }
  compareLists('mount', before.mounts.filter(notAnotherRuns), after.mounts.filter(notAnotherRuns));
  compareLists('cgroup', before.cgroups.filter(notAnotherRuns), after.cgroups.filter(notAnotherRuns));
  compareLists('network link', before.links, after.links);
  return changes;
}

/**
 * False for the mount of a network namespace the data-plane tier of another
 * test process made (`/run/netns/gfdp-<its pid>-…`), and for another test
 * process's real-node cgroup root (`<hierarchy>/gefyra-real-node-<its pid>-…`):
 * on a shared machine other runs come and go while the node runs; that run and
 * its leftover sweep own them.
 */
function notAnotherRuns(path: string): boolean {
  const pid = (/^\/run\/netns\/gfdp-(\d+)-/.exec(path) ?? /\/gefyra-real-node-(\d+)-[0-9a-f]+$/.exec(path))?.[1];
  return pid === undefined || Number(pid) === process.pid;
}

async function existingPaths(): Promise<string[]> {
  const present = await Promise.all(
    WATCHED_PATHS.map(async (path) => ((await lstat(path).catch(() => undefined)) === undefined ? [] : [path])),
  );
  return present.flat();
}

/** iptables-save's rules without its comments and packet counters; both backends (nft and legacy). */
async function iptablesRules(): Promise<string> {
  const outputs = await Promise.all(
    ['iptables-save', 'iptables-legacy-save', 'ip6tables-save'].map(async (command) => {
      try {
        return (await run(command, [])).stdout;
      } catch {
        return `${command}: not available\n`;
      }
    }),
  );
  return outputs.join('').replace(/\[\d+:\d+\]/g, '[counters]');
}

async function readSysctls(): Promise<Record<string, string>> {
  const entries = await Promise.all(
    WATCHED_SYSCTLS.map(async (name) => {
      try {
        return [name, (await readFile(join('/proc/sys', name), 'utf8')).trim()] as const;
      } catch {
        return [name, '(absent)'] as const;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/** Mount point, type and source of every mount this process sees (the host's mount namespace). */
async function mountPoints(): Promise<string[]> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      const separator = fields.indexOf('-');
      return `${fields[4]} ${fields[separator + 1]} ${fields[separator + 2]}`;
    })
    .sort();
}

/** The top-level cgroups of every hierarchy: the node's cgroup root is created and removed there. */
async function cgroupDirs(): Promise<string[]> {
  const dirs: string[] = [];
  for (const hierarchy of await cgroupHierarchies()) {
    for (const entry of await readdir(hierarchy, { withFileTypes: true })) {
      if (entry.isDirectory()) dirs.push(join(hierarchy, entry.name));
    }
  }
  return dirs.sort();
}

/** Mount points of cgroup v1 hierarchies and of cgroup2, from /proc/self/mounts. */
export async function cgroupHierarchies(): Promise<string[]> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  return mounts
    .split('\n')
    .map((line) => line.split(' '))
    .filter((fields) => fields[2] === 'cgroup' || fields[2] === 'cgroup2')
    .map((fields) => fields[1] as string);
}

async function networkLinks(): Promise<string[]> {
  const { stdout } = await run('ip', ['-o', 'link', 'show']);
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.split(':')[1]?.trim() ?? line)
    .sort();
}

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import type { Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse, stringify } from 'yaml';
import { loadKubeConfig } from '../control-plane/kubeconfig.js';
import { onEmergencyExit, startWatchdog } from '../control-plane/process-supervisor.js';
import { provisionControlPlane } from '../control-plane/provision.js';
import { forwardingServer } from './forwarder.js';
import { cgroupHierarchies, NODE_CGROUP_ROOT_PATTERN, WATCHED_PATHS } from './host-state.js';
import type { InsideOptions, InsideReady } from './inside-namespace.js';
import { installationMissing, machineUnavailableReason } from './prerequisites.js';
import { RESTART_RUNTIME_COMMAND, type RuntimeRestart } from './runtime-restart.js';

const run = promisify(execFile);
const REPO_DIR = fileURLToPath(new URL('../../..', import.meta.url));
const PROVISION_SCRIPT = join(REPO_DIR, 'scripts/provision-real-node.sh');
const INSIDE_SCRIPT = fileURLToPath(new URL('./inside-namespace.ts', import.meta.url));

export interface RealNode {
  readonly nodeName: string;
  /** The PID (here) of the namespace's init: `nsenter -t <it> --net --mount --pid` enters the node. */
  readonly namespacePid: number;
  /** Admin kubeconfig reaching the node's API server from this process (through a loopback port). */
  readonly kubeconfigPath: string;
  adminKubeConfig(): KubeConfig;
  /** `ctr -n k8s.io images import`: the image is then on the node, for imagePullPolicy Never or IfNotPresent. */
  importImage(archivePath: string): Promise<void>;
  /** `ctr -n k8s.io images tag`: an imported image under one more name (as a registry would serve it). */
  tagImage(source: string, target: string): Promise<void>;
  /**
   * Stops the kubelet and containerd and starts them again (as `systemctl
   * restart` does on a node; running containers' shims, kube-proxy, the DNS
   * stand-in and the control plane live on). Resolves once the kubelet's
   * /healthz answers again.
   */
  restartKubeletAndContainerd(): Promise<RuntimeRestart>;
  /**
   * The unix socket that the namespace's NEIGHBOUR_NODE_IP:NEIGHBOUR_KUBELET_PORT (node-config.ts)
   * leads to: a second (simulated) node's kubelet is served on it from here.
   */
  readonly neighbourKubeletSocket: string;
  /** The kubelet's cgroupRoot (in every v1 hierarchy of the host: cgroupfs is global). */
  readonly cgroupRoot: string;
  /** kubelet.log, containerd.log, kube-proxy.log (kept only with GEFYRA_REAL_NODE_KEEP=1 after stop). */
  readonly logDir: string;
  readonly figures: { readonly controlPlaneSeconds: number; readonly nodeReadySeconds: number };
  /** Stops everything, kills what is left with the namespaces, removes the cgroups and the work directory. */
  stop(): Promise<void>;
}

/**
 * The binaries, provisioned (scripts/provision-real-node.sh, cached) or the
 * reason this machine cannot run the real node, in one line.
 */
export async function provisionRealNode(): Promise<{ binDir: string } | { unavailable: string }> {
  const machine = await machineUnavailableReason();
  if (machine !== undefined) return { unavailable: machine };
  // Progress (a first build takes minutes) goes to stderr as it comes; the last line of stdout is the directory.
  const script = spawn('bash', [PROVISION_SCRIPT], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  script.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => script.once('close', resolve));
  if (code !== 0) return { unavailable: `scripts/provision-real-node.sh failed (exit ${code}; its output is above)` };
  const binDir = stdout.trim().split('\n').at(-1) ?? '';
  const reason = await installationMissing(binDir);
  return reason === undefined ? { binDir } : { unavailable: reason };
}

/**
 * Starts a real node (kubelet 1.20.2, containerd, runc, CNI bridge, kube-proxy)
 * with a control plane of its own, all inside a private mount + network + PID
 * namespace: the host keeps its iptables, sysctls, mounts and network links,
 * and everything dies with the namespace. Only the kubelet's cgroups are made
 * on the host (cgroupfs is global); they are removed at stop.
 */
export async function startRealNode(binDir: string, nodeName = 'real-node'): Promise<RealNode> {
  const controlPlaneBinDir = await provisionControlPlane({ onProgress: () => undefined });
  const workDir = await mkdtemp(join(tmpdir(), 'gefyra-real-node-'));
  const cgroupRoot = `/gefyra-real-node-${process.pid}-${randomBytes(3).toString('hex')}`;
  const keep = process.env['GEFYRA_REAL_NODE_KEEP'] === '1';

  // unshare forks (--fork) the namespace's PID 1 and kills it when it dies itself (--kill-child).
  const holder = spawn(
    'unshare',
    [
      '--mount',
      '--propagation',
      'private',
      '--net',
      '--pid',
      '--fork',
      '--kill-child',
      '--mount-proc',
      'sleep',
      'infinity',
    ],
    { detached: true, stdio: 'ignore' },
  );
  const unregister = onEmergencyExit(() => killGroup(holder));
  // If this process is killed with SIGKILL, a detached watchdog kills the namespace (through unshare's group).
  await writeFile(join(workDir, 'pids'), `${holder.pid}\n`);
  const watchdog = startWatchdog(join(workDir, 'pids'), keep ? '' : workDir);
  await removeStaleCgroupRoots();
  // containerd creates a missing hostPath directory (Stowaway mounts /lib/modules) on the host's file system.
  const absentPaths = await absent(WATCHED_PATHS);
  const cleanUp = async (): Promise<void> => {
    killGroup(holder);
    await watchdog.stop(0);
    await removeCgroups(cgroupRoot);
    for (const path of absentPaths) await rmdir(path).catch(() => undefined);
    unregister();
    if (!keep) await rm(workDir, { recursive: true, force: true });
  };
  let inside: ChildProcess | undefined;
  try {
    const initPid = await namespaceInit(holder);
    const insideOptions: InsideOptions = {
      binDir,
      controlPlaneBinDir,
      nodeName,
      workDir,
      cgroupRoot,
      apiSocket: join(workDir, 'api.sock'),
      neighbourKubeletSocket: join(workDir, 'neighbour-kubelet.sock'),
    };
    inside = spawn(
      'nsenter',
      [
        '-t',
        String(initPid),
        '--net',
        '--mount',
        '--pid',
        '--',
        join(REPO_DIR, 'node_modules/.bin/tsx'),
        INSIDE_SCRIPT,
        JSON.stringify(insideOptions),
      ],
      // Closing its stdin asks it to stop: nsenter does not pass signals on to the namespace.
      // TMPDIR: the inner control plane's directory goes into the work directory, which the watchdog removes.
      // Detached: a terminal's Ctrl-C (npm start -- --real-node) reaches this process only, which then stops the node in order.
      { stdio: ['pipe', 'pipe', 'pipe'], cwd: REPO_DIR, env: { ...process.env, TMPDIR: workDir }, detached: true },
    );
    const insideLog = join(workDir, 'inside.log');
    inside.stderr?.pipe(createWriteStream(insideLog));
    const lines = createInterface({ input: inside.stdout as NodeJS.ReadableStream });
    const ready = await readyLine(inside, lines, insideLog);
    const bridge = await bridgeApiServer(insideOptions.apiSocket);
    const kubeconfigPath = join(workDir, 'admin.kubeconfig');
    await writeFile(kubeconfigPath, await withServer(ready.adminKubeconfigPath, bridge.server), { mode: 0o600 });
    let stopped: Promise<void> | undefined;
    return {
      nodeName,
      namespacePid: initPid,
      kubeconfigPath,
      neighbourKubeletSocket: insideOptions.neighbourKubeletSocket,
      cgroupRoot,
      adminKubeConfig: () => loadKubeConfig(kubeconfigPath),
      importImage: async (archivePath) =>
        void (await run('ctr', ['--address', ready.containerdSocket, '-n', 'k8s.io', 'images', 'import', archivePath])),
      tagImage: async (source, target) =>
        void (await run('ctr', ['--address', ready.containerdSocket, '-n', 'k8s.io', 'images', 'tag', source, target])),
      restartKubeletAndContainerd: async () => await restartRuntime(inside as ChildProcess, lines),
      logDir: ready.logDir,
      figures: { controlPlaneSeconds: ready.controlPlaneSeconds, nodeReadySeconds: ready.nodeReadySeconds },
      stop: async () => {
        stopped ??= (async () => {
          await terminate(inside as ChildProcess, 30_000);
          await new Promise((resolve) => bridge.listener.close(resolve));
          await cleanUp();
        })();
        await stopped;
      },
    };
  } catch (error) {
    if (inside !== undefined) await terminate(inside, 10_000);
    await cleanUp();
    throw error;
  }
}

async function absent(paths: readonly string[]): Promise<string[]> {
  const missing = await Promise.all(
    paths.map(async (path) => ((await lstat(path).catch(() => undefined)) ? [] : [path])),
  );
  return missing.flat();
}

/** The PID (in this namespace) of the new PID namespace's init: unshare's only child. */
async function namespaceInit(holder: ChildProcess): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const children = await readFile(`/proc/${holder.pid}/task/${holder.pid}/children`, 'utf8').catch(() => '');
    const pid = Number(children.trim().split(' ')[0]);
    if (pid > 0) return pid;
    await delay(50);
  }
  throw new Error('unshare started no namespace init');
}

async function readyLine(inside: ChildProcess, lines: Interface, logPath: string): Promise<InsideReady> {
  const outcome = await new Promise<InsideReady | number | null>((resolve) => {
    lines.on('line', (line) => {
      if (line.startsWith('REAL_NODE_READY '))
        resolve(JSON.parse(line.slice('REAL_NODE_READY '.length)) as InsideReady);
    });
    inside.once('exit', resolve);
  });
  if (typeof outcome === 'object' && outcome !== null) return outcome;
  const tail = (await readFile(logPath, 'utf8').catch(() => '')).trimEnd().split('\n').slice(-30).join('\n');
  throw new Error(`the real node did not start (exit ${outcome}); last lines of ${logPath}:\n${tail}`);
}

/** Asks the inside process to restart the kubelet and containerd (a line on its stdin) and waits for its answer. */
async function restartRuntime(inside: ChildProcess, lines: Interface): Promise<RuntimeRestart> {
  const answer = new Promise<RuntimeRestart>((resolve, reject) => {
    const onLine = (line: string): void => {
      const [word, json = ''] = line.split(/ (.*)/s);
      if (word !== 'REAL_NODE_RESTARTED' && word !== 'REAL_NODE_RESTART_FAILED') return;
      lines.off('line', onLine);
      inside.off('exit', onExit);
      if (word === 'REAL_NODE_RESTARTED') resolve(JSON.parse(json) as RuntimeRestart);
      else reject(new Error(`the node's kubelet and containerd did not restart: ${JSON.parse(json) as string}`));
    };
    const onExit = (): void => {
      lines.off('line', onLine);
      reject(new Error('the node stopped while its kubelet and containerd restarted'));
    };
    lines.on('line', onLine);
    inside.once('exit', onExit);
  });
  inside.stdin?.write(`${RESTART_RUNTIME_COMMAND}\n`);
  return await answer;
}

/** A loopback TCP port here, forwarded to the API server's unix socket inside the namespace. */
async function bridgeApiServer(socketPath: string): Promise<{ server: string; listener: Server }> {
  const listener = forwardingServer({ path: socketPath });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  listener.unref();
  const address = listener.address();
  if (address === null || typeof address === 'string') throw new Error('the API bridge has no port');
  return { server: `https://127.0.0.1:${address.port}`, listener };
}

async function withServer(kubeconfigPath: string, server: string): Promise<string> {
  const config = parse(await readFile(kubeconfigPath, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  for (const cluster of config.clusters) cluster.cluster.server = server;
  return stringify(config);
}

/** Closes the inside process's stdin (its signal to stop) and waits for it, SIGKILL after `graceMs`. */
async function terminate(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.stdin?.end();
  if ((await Promise.race([exited.then(() => true), delay(graceMs, false)])) === false) child.kill('SIGKILL');
}

function killGroup(child: ChildProcess): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
  } catch {
    // Gone already.
  }
}

/**
 * Removes the cgroup roots of runs whose process is gone (killed with SIGKILL:
 * their watchdog kills the namespace and removes the work directory, but
 * cannot wait for the cgroups to empty). startRealNode calls it; a test that
 * snapshots the host first calls it before the snapshot.
 */
export async function removeStaleCgroupRoots(): Promise<void> {
  for (const root of await staleCgroupRoots()) await removeCgroups(root).catch(() => undefined);
}

/** The real nodes' cgroup roots (`/gefyra-real-node-<pid>-…`) whose process is gone. */
export async function staleCgroupRoots(): Promise<string[]> {
  const stale = new Set<string>();
  for (const hierarchy of await cgroupHierarchies()) {
    for (const name of await readdir(hierarchy).catch(() => [] as string[])) {
      const owner = NODE_CGROUP_ROOT_PATTERN.exec(name)?.[1];
      if (owner !== undefined && !alive(Number(owner))) stale.add(`/${name}`);
    }
  }
  return [...stale];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the kubelet's cgroup root from every hierarchy, deepest first; a cgroup empties a moment after its last process died. */
async function removeCgroups(cgroupRoot: string): Promise<void> {
  for (const hierarchy of await cgroupHierarchies()) {
    const root = join(hierarchy, cgroupRoot);
    const dirs = await subdirectories(root);
    for (const dir of dirs.sort((a, b) => b.length - a.length)) {
      for (let attempt = 0; ; attempt++) {
        try {
          await rmdir(dir);
          break;
        } catch (error) {
          const code = (error as NodeJS.ErrnoException).code;
          if (code === 'ENOENT') break;
          if (code !== 'EBUSY' || attempt > 100)
            throw new Error(`cannot remove cgroup ${dir}: ${code}`, { cause: error });
          await delay(100);
        }
      }
    }
  }
}

async function subdirectories(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const nested = await Promise.all(
    entries.filter((entry) => entry.isDirectory()).map(async (entry) => await subdirectories(join(dir, entry.name))),
  );
  return [dir, ...nested.flat()];
}

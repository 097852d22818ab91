// Runs inside the real node's private mount, network and PID namespaces (see
// real-node.ts, which starts it through nsenter): the control plane, containerd,
// kubelet and kube-proxy, as processes of this namespace only. Prints one line
// `REAL_NODE_READY <json>` once the node is Ready and schedulable, then runs
// until SIGTERM or the end of its stdin, when it stops them (the caller then
// kills what is left with the namespace). A line `restart-runtime` on stdin
// stops the kubelet and containerd and starts them again, as a node's
// `systemctl restart` does (the containers' shims live on); it answers
// `REAL_NODE_RESTARTED <json>` (or `REAL_NODE_RESTART_FAILED <message>`).
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { CoreV1Api } from '@kubernetes/client-node';
import { writeOciArchive } from '../../../scripts/image/oci-archive.js';
import { startControlPlane, type ControlPlane } from '../control-plane/control-plane.js';
import { startClusterDns } from './cluster-dns.js';
import { startVolumeProvisioner } from './volume-provisioner.js';
import { forwardingServer } from './forwarder.js';
import { httpGet, pollUntil } from '../control-plane/polling.js';
import { SupervisedProcess } from '../control-plane/process-supervisor.js';
import {
  cniConfig,
  containerdConfig,
  kubeletArgs,
  kubeletConfig,
  kubeProxyConfig,
  NEIGHBOUR_KUBELET_PORT,
  NEIGHBOUR_NODE_IP,
  NODE_IP,
  NODE_LINK,
  PAUSE_IMAGE,
  type NodeLayout,
} from './node-config.js';
import { RESTART_RUNTIME_COMMAND, type RuntimeRestart } from './runtime-restart.js';

const run = promisify(execFile);

export interface InsideOptions {
  readonly binDir: string;
  readonly controlPlaneBinDir: string;
  readonly nodeName: string;
  readonly workDir: string;
  readonly cgroupRoot: string;
  /** Unix socket forwarded to the API server: unix sockets cross network namespaces, TCP ports do not. */
  readonly apiSocket: string;
  /** Unix socket the neighbour's kubelet address is forwarded to (served from outside, when a neighbour runs). */
  readonly neighbourKubeletSocket: string;
}

export interface InsideReady {
  readonly adminKubeconfigPath: string;
  readonly containerdSocket: string;
  readonly logDir: string;
  readonly controlPlaneSeconds: number;
  readonly nodeReadySeconds: number;
}

/** Sysctls the kubelet writes that are global, not per network namespace: each gets a file mounted over it. */
const GLOBAL_SYSCTLS = ['vm/overcommit_memory', 'vm/panic_on_oom', 'kernel/panic', 'kernel/panic_on_oops'];

const options = JSON.parse(process.argv[2] ?? '{}') as InsideOptions;
const processes: SupervisedProcess[] = [];
let controlPlane: ControlPlane | undefined;
let stopping: Promise<void> | undefined;
let clusterDns: { stop(): void } | undefined;
let volumeProvisioner: { stop(): void } | undefined;

let restartRuntime: (() => Promise<RuntimeRestart>) | undefined;

const stopAndExit = (): void => void stop().finally(() => process.exit(0));
process.on('SIGTERM', stopAndExit);
process.stdin.on('end', stopAndExit).on('close', stopAndExit);
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() !== RESTART_RUNTIME_COMMAND) return;
  void (restartRuntime?.() ?? Promise.reject(new Error('the node has not started')))
    .then((figures) => process.stdout.write(`REAL_NODE_RESTARTED ${JSON.stringify(figures)}\n`))
    .catch((error: unknown) =>
      process.stdout.write(
        `REAL_NODE_RESTART_FAILED ${JSON.stringify(error instanceof Error ? error.message : String(error))}\n`,
      ),
    );
});

try {
  const ready = await start();
  process.stdout.write(`REAL_NODE_READY ${JSON.stringify(ready)}\n`);
} catch (error) {
  process.stderr.write(
    `[real-node] start failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  await stop();
  process.exit(1);
}

async function start(): Promise<InsideReady> {
  const dir = (...names: string[]): string => join(options.workDir, ...names);
  const logDir = dir('logs');
  await Promise.all(
    ['logs', 'var-lib', 'var-log', 'sysctl', 'containerd', 'cni/net.d', 'cni/ipam', 'kubelet', 'images/pause'].map(
      async (name) => await mkdir(dir(name), { recursive: true }),
    ),
  );
  await isolateFileSystem(dir);
  await setUpNetwork();

  const startedAt = Date.now();
  controlPlane = await startControlPlane({
    binDir: options.controlPlaneBinDir,
    apiServerAdvertiseAddress: NODE_IP,
    onProgress: (line) => process.stderr.write(`[real-node control plane] ${line}\n`),
    startupTimeoutMs: 120_000,
  });
  const controlPlaneSeconds = (Date.now() - startedAt) / 1000;
  forwardApiServer(new URL(controlPlane.server).port);
  forwardingServer({ path: options.neighbourKubeletSocket }).listen(NEIGHBOUR_KUBELET_PORT, NEIGHBOUR_NODE_IP);

  const layout: NodeLayout = {
    nodeName: options.nodeName,
    workDir: options.workDir,
    containerdRoot: dir('containerd/root'),
    containerdState: dir('containerd/state'),
    containerdSocket: dir('containerd/containerd.sock'),
    cniConfDir: dir('cni/net.d'),
    cniIpamDir: dir('cni/ipam'),
    kubeletRoot: dir('kubelet'),
    cgroupRoot: options.cgroupRoot,
    resolvConf: dir('resolv.conf'),
    kubeletKubeconfig: controlPlane.kubeletKubeconfigPath,
    kubeProxyKubeconfig: controlPlane.kubeconfigPath,
  };
  await Promise.all([
    writeFile(dir('containerd.toml'), containerdConfig(layout)),
    writeFile(join(layout.cniConfDir, '10-gefyra-real-node.conflist'), cniConfig(layout)),
    writeFile(dir('kubelet.yaml'), kubeletConfig(layout)),
    writeFile(dir('kube-proxy.yaml'), kubeProxyConfig(layout)),
    writeFile(layout.resolvConf, ''),
  ]);
  const startContainerd = async (): Promise<SupervisedProcess> => {
    const containerd = supervise('containerd', 'containerd', ['--config', dir('containerd.toml')], logDir);
    await pollUntil(
      'containerd',
      async () => ((await run('ctr', ['--address', layout.containerdSocket, 'version'])).stdout ? true : undefined),
      { timeoutMs: 30_000, failFast: deadProcess },
    );
    return containerd;
  };
  const startKubelet = (): SupervisedProcess =>
    supervise('kubelet', join(options.binDir, 'kubelet'), kubeletArgs(layout, dir('kubelet.yaml')), logDir);
  let containerd = await startContainerd();
  await importPauseImage(layout, dir('images/pause'));
  await createCgroupRoot(options.cgroupRoot);

  const nodeStartedAt = Date.now();
  let kubelet = startKubelet();
  supervise('kube-proxy', join(options.binDir, 'kube-proxy'), [`--config=${dir('kube-proxy.yaml')}`], logDir);
  await untaintWhenReady(controlPlane, options.nodeName);
  restartRuntime = async () => {
    const restartedAt = Date.now();
    const since = (): number => (Date.now() - restartedAt) / 1000;
    // The kubelet first, as a node's shutdown orders them: it must not see its runtime go.
    for (const component of [kubelet, containerd]) {
      await component.stop(10_000);
      processes.splice(processes.indexOf(component), 1);
    }
    const stoppedSeconds = since();
    containerd = await startContainerd();
    const containerdSeconds = since();
    kubelet = startKubelet();
    await pollUntil(
      "the restarted kubelet's /healthz",
      async () => ((await httpGet('http://127.0.0.1:10248/healthz')).body === 'ok' ? true : undefined),
      { timeoutMs: 120_000, intervalMs: 250, failFast: deadProcess },
    );
    return { stoppedSeconds, containerdSeconds, kubeletHealthySeconds: since() };
  };
  await mkdir(dir('dns'), { recursive: true });
  clusterDns = await startClusterDns(controlPlane.adminKubeConfig(), dir('dns'), (name, command, args) =>
    supervise(name, command, args, logDir),
  );
  volumeProvisioner = await startVolumeProvisioner(controlPlane.adminKubeConfig(), dir('volumes'));
  return {
    adminKubeconfigPath: controlPlane.kubeconfigPath,
    containerdSocket: layout.containerdSocket,
    logDir,
    controlPlaneSeconds,
    nodeReadySeconds: (Date.now() - nodeStartedAt) / 1000,
  };
}

/**
 * Everything the node writes at fixed paths lands in the work directory: /run,
 * /var/lib (CNI's cache) and /var/log (pod logs) are this namespace's own, and
 * the global sysctls the kubelet sets are files mounted over the real ones.
 */
async function isolateFileSystem(dir: (...names: string[]) => string): Promise<void> {
  await run('mount', ['-t', 'tmpfs', 'tmpfs', '/run']);
  await run('mount', ['--bind', dir('var-lib'), '/var/lib']);
  await run('mount', ['--bind', dir('var-log'), '/var/log']);
  for (const name of GLOBAL_SYSCTLS) {
    const stand_in = dir('sysctl', name.replaceAll('/', '.'));
    await writeFile(stand_in, await readFile(join('/proc/sys', name)));
    await run('mount', ['--bind', stand_in, join('/proc/sys', name)]);
  }
}

/** Loopback, the node's address on a veth pair, forwarding and (where br_netfilter is loaded) bridged traffic through iptables. */
async function setUpNetwork(): Promise<void> {
  const ip = async (...args: string[]): Promise<void> => void (await run('ip', args));
  await ip('link', 'set', 'lo', 'up');
  await ip('link', 'add', NODE_LINK, 'type', 'veth', 'peer', 'name', `${NODE_LINK}-peer`);
  await ip('addr', 'add', `${NODE_IP}/24`, 'dev', NODE_LINK);
  await ip('addr', 'add', `${NEIGHBOUR_NODE_IP}/32`, 'dev', NODE_LINK);
  await ip('link', 'set', NODE_LINK, 'up');
  await ip('link', 'set', `${NODE_LINK}-peer`, 'up');
  // A default route, so that the node's own connections to cluster IPs find an interface before kube-proxy's DNAT.
  await ip('route', 'add', 'default', 'dev', NODE_LINK);
  await writeFile('/proc/sys/net/ipv4/ip_forward', '1');
  await writeFile('/proc/sys/net/bridge/bridge-nf-call-iptables', '1').catch(() => undefined);
}

/** Serves the API server's port on a unix socket, which the test process (outside this network namespace) connects to. */
function forwardApiServer(port: string): void {
  forwardingServer({ port: Number(port), host: '127.0.0.1' }).listen(options.apiSocket);
}

/** The pause binary as an image, imported as the sandbox image containerd's CRI and the kubelet name. */
async function importPauseImage(layout: NodeLayout, dir: string): Promise<void> {
  const rootfs = join(dir, 'rootfs');
  await mkdir(rootfs, { recursive: true });
  await run('cp', [join(options.binDir, 'pause'), join(rootfs, 'pause')]);
  const archivePath = join(dir, 'pause.oci.tar');
  await writeOciArchive({
    rootfs,
    reference: PAUSE_IMAGE,
    mtimeEpoch: 0,
    archivePath,
    config: {
      User: '65535:65535',
      Env: [],
      Entrypoint: ['/pause'],
      Cmd: [],
      WorkingDir: '/',
      ExposedPorts: {},
    },
  });
  await run('ctr', ['--address', layout.containerdSocket, '-n', 'k8s.io', 'images', 'import', archivePath]);
}

/** The kubelet's cgroupRoot must exist in every hierarchy; cpuset needs its CPUs and memory nodes copied down. */
async function createCgroupRoot(cgroupRoot: string): Promise<void> {
  const mounts = await readFile('/proc/self/mounts', 'utf8');
  for (const fields of mounts.split('\n').map((line) => line.split(' '))) {
    if (fields[2] !== 'cgroup' && fields[2] !== 'cgroup2') continue;
    const hierarchy = fields[1] as string;
    const path = join(hierarchy, cgroupRoot);
    await mkdir(path, { recursive: true });
    if ((fields[3] ?? '').split(',').includes('cpuset')) {
      for (const file of ['cpuset.cpus', 'cpuset.mems']) {
        await writeFile(join(path, file), await readFile(join(hierarchy, file)));
      }
    }
  }
}

async function untaintWhenReady(plane: ControlPlane, nodeName: string): Promise<void> {
  const core = plane.adminKubeConfig().makeApiClient(CoreV1Api);
  await pollUntil(
    `node ${nodeName} Ready`,
    async () => {
      const node = await core.readNode({ name: nodeName });
      return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? true : undefined;
    },
    { timeoutMs: 180_000, intervalMs: 500, failFast: deadProcess },
  );
  // No nodelifecycle controller runs (component-flags.ts): nobody else lifts the not-ready taint.
  const node = await core.readNode({ name: nodeName });
  await core.replaceNode({ name: nodeName, body: { ...node, spec: { ...node.spec, taints: [] } } });
}

function supervise(name: string, command: string, args: string[], logDir: string): SupervisedProcess {
  const component = new SupervisedProcess({ name, command, args, logPath: join(logDir, `${name}.log`) });
  processes.push(component);
  return component;
}

function deadProcess(): string | undefined {
  const dead = processes.find((p) => p.exit !== undefined);
  return dead === undefined ? undefined : `${dead.name} exited (${JSON.stringify(dead.exit)}); see ${dead.logPath}`;
}

async function stop(): Promise<void> {
  stopping ??= (async () => {
    clusterDns?.stop();
    volumeProvisioner?.stop();
    for (const component of [...processes].reverse()) await component.stop(5_000);
    await controlPlane?.stop();
  })();
  await stopping;
}

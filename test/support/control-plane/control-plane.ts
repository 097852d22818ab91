import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AUDIT_POLICY,
  apiServerArgs,
  controllerManagerArgs,
  etcdArgs,
  KUBERNETES_SERVICE_IP,
  schedulerArgs,
  type ControlPlaneLayout,
} from './component-flags.js';
import { connectToControlPlane, type ControlPlaneAccess, type ControlPlaneEndpoints } from './control-plane-access.js';
import { findFreePorts } from './free-port.js';
import { writeKubeconfig } from './kubeconfig.js';
import { readKubernetesVersion } from './kubernetes-version.js';
import { createServiceAccountKeyPair, createServingCertificate } from './pki.js';
import { httpGet, pollUntil } from './polling.js';
import {
  killGroupNow,
  onEmergencyExit,
  removeDirNow,
  startWatchdog,
  SupervisedProcess,
  type ProcessSpec,
} from './process-supervisor.js';
import { assertBinaries, provisionControlPlane, type ProvisionOptions } from './provision.js';

export interface ControlPlaneOptions {
  /** A directory with etcd and the kube-* binaries; skips the provisioning script. */
  readonly binDir?: string;
  /** Passed to the provisioning script when `binDir` is not given. */
  readonly provision?: ProvisionOptions;
  /** Progress of the start-up; defaults to stderr. */
  readonly onProgress?: (line: string) => void;
  /** Leave the work directory (logs, data) in place after stop, for debugging. */
  readonly keepWorkDir?: boolean;
  /**
   * An address of this machine where pods reach the API server (a real node's, see
   * test/support/real-node): the API server then listens on every address and
   * advertises this one, and its certificate also names it and the `kubernetes`
   * Service's IP. By default it listens on 127.0.0.1 only.
   */
  readonly apiServerAdvertiseAddress?: string;
  /** Default 180 s (a warm start takes about 15 s; a busy machine has taken more than 60 s). */
  readonly startupTimeoutMs?: number;
}

export interface ControlPlane extends ControlPlaneAccess {
  /** Log file of each component, by name. */
  readonly logFiles: Readonly<Record<string, string>>;
  /**
   * Stops kube-apiserver (SIGTERM, as a rolling restart of the control plane
   * does) and starts it again on the same port and etcd; resolves once it
   * serves /readyz again. Clients keep their kubeconfigs; their watches break.
   */
  restartApiServer(): Promise<void>;
  /** Stops every process (SIGTERM, then SIGKILL) and removes the work directory. Safe to call twice. */
  stop(): Promise<void>;
}

const COMPONENT_USERS = {
  admin: { user: 'kubernetes-admin', uid: 'admin' },
  controllerManager: { user: 'system:kube-controller-manager', uid: 'kube-controller-manager' },
  scheduler: { user: 'system:kube-scheduler', uid: 'kube-scheduler' },
  kubelet: { user: 'gefyra-harness:simulated-kubelet', uid: 'simulated-kubelet' },
} as const;

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler on
 * free loopback ports in a fresh temporary directory and waits until they
 * serve: the API answers /readyz, the scheduler and controller manager their
 * /healthz, and the controller manager has given the `default` namespace its
 * ServiceAccount (with a token on 1.20). Every component user is in
 * system:masters but has its own name, so the audit log tells them apart.
 */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const progress = options.onProgress ?? ((line: string) => process.stderr.write(`[control-plane] ${line}\n`));
  const binDir = options.binDir ?? (await provisionControlPlane(options.provision));
  await assertBinaries(binDir);
  const startedAt = Date.now();
  const workDir = await mkdtemp(join(tmpdir(), 'gefyra-control-plane-'));
  const run = new ControlPlaneRun(workDir, options.keepWorkDir ?? false);
  try {
    await run.start(binDir, progress, options.startupTimeoutMs ?? 180_000, options.apiServerAdvertiseAddress);
  } catch (error) {
    await run.abort();
    throw error;
  }
  progress(
    `${run.endpoints.version} ready at ${run.endpoints.server} in ${((Date.now() - startedAt) / 1000).toFixed(1)} s (work dir ${workDir})`,
  );
  return run.handle();
}

/** The mutable state of one start; `handle()` exposes the finished control plane. */
class ControlPlaneRun {
  readonly #workDir: string;
  readonly #keepWorkDir: boolean;
  readonly #processes: SupervisedProcess[] = [];
  #watchdog: SupervisedProcess | undefined;
  #unregisterExitHook: (() => void) | undefined;
  #endpoints: ControlPlaneEndpoints | undefined;
  #stopping = false;
  #stopped: Promise<void> | undefined;
  /** Components stopped on purpose while the others run on (a restarted kube-apiserver). */
  readonly #retired = new Set<SupervisedProcess>();
  /** How to start kube-apiserver again and see it serve. */
  #apiServer: { readonly start: () => void; readonly ready: (timeoutMs: number) => Promise<void> } | undefined;

  constructor(workDir: string, keepWorkDir: boolean) {
    this.#workDir = workDir;
    this.#keepWorkDir = keepWorkDir;
  }

  get endpoints(): ControlPlaneEndpoints {
    if (this.#endpoints === undefined) throw new Error('the control plane has not started');
    return this.#endpoints;
  }

  async start(
    binDir: string,
    progress: (line: string) => void,
    timeoutMs: number,
    apiServerAdvertiseAddress: string | undefined,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const remaining = (): number => Math.max(1_000, deadline - Date.now());
    const dir = (name: string): string => join(this.#workDir, name);
    await Promise.all(
      ['pki', 'etcd', 'logs', 'kubeconfigs', 'certs'].map((name) => mkdir(dir(name), { recursive: true })),
    );
    this.#installCleanupHooks();

    const [version, serving, serviceAccountKeys, ports] = await Promise.all([
      readKubernetesVersion(binDir),
      createServingCertificate(
        dir('pki'),
        'apiserver',
        'kube-apiserver',
        apiServerAdvertiseAddress === undefined ? [] : [apiServerAdvertiseAddress, KUBERNETES_SERVICE_IP],
      ),
      createServiceAccountKeyPair(dir('pki')),
      findFreePorts(5),
    ]);
    const [etcdClientPort, etcdPeerPort, apiServerPort, controllerManagerPort, schedulerPort] = ports as [
      number,
      number,
      number,
      number,
      number,
    ];
    const server = `https://127.0.0.1:${apiServerPort}`;
    const tokens = Object.fromEntries(
      Object.keys(COMPONENT_USERS).map((key) => [key, randomBytes(24).toString('hex')]),
    ) as Record<keyof typeof COMPONENT_USERS, string>;
    const kubeconfig = (name: keyof typeof COMPONENT_USERS): string => join(dir('kubeconfigs'), `${name}.kubeconfig`);
    await Promise.all([
      writeFile(dir('pki/tokens.csv'), tokenAuthFile(tokens), { mode: 0o600 }),
      writeFile(dir('audit-policy.yaml'), AUDIT_POLICY),
      ...(Object.keys(COMPONENT_USERS) as (keyof typeof COMPONENT_USERS)[]).map((name) =>
        writeKubeconfig(kubeconfig(name), {
          server,
          caPem: serving.certPem,
          token: tokens[name],
          name: COMPONENT_USERS[name].uid,
        }),
      ),
    ]);
    const layout: ControlPlaneLayout = {
      version,
      etcdDataDir: dir('etcd'),
      etcdClientPort,
      etcdPeerPort,
      apiServerPort,
      ...(apiServerAdvertiseAddress === undefined ? {} : { apiServerAdvertiseAddress }),
      controllerManagerPort,
      schedulerPort,
      servingCertPath: serving.certPath,
      servingKeyPath: serving.keyPath,
      serviceAccountPrivateKeyPath: serviceAccountKeys.privateKeyPath,
      serviceAccountPublicKeyPath: serviceAccountKeys.publicKeyPath,
      tokenAuthFilePath: dir('pki/tokens.csv'),
      auditPolicyPath: dir('audit-policy.yaml'),
      auditLogPath: dir('logs/audit.log'),
      controllerManagerKubeconfigPath: kubeconfig('controllerManager'),
      schedulerKubeconfigPath: kubeconfig('scheduler'),
      certDir: (component) => join(dir('certs'), component),
    };
    this.#endpoints = {
      server,
      kubeconfigPath: kubeconfig('admin'),
      kubeletKubeconfigPath: kubeconfig('kubelet'),
      auditLogPath: layout.auditLogPath,
      workDir: this.#workDir,
      logDir: dir('logs'),
      version: version.gitVersion,
    };
    const failFast = (): string | undefined => this.#deadComponent();

    progress(`starting etcd and kube-apiserver ${version.gitVersion} (logs in ${dir('logs')})`);
    this.#spawn(binDir, 'etcd', etcdArgs(layout));
    await pollUntil(
      'etcd /health',
      async () =>
        (await httpGet(`http://127.0.0.1:${etcdClientPort}/health`)).body.includes('"true"') ? true : undefined,
      { timeoutMs: remaining(), failFast },
    );
    const apiServer = {
      start: () => this.#spawn(binDir, 'kube-apiserver', apiServerArgs(layout)),
      ready: async (timeoutMs: number) =>
        void (await pollUntil(
          'kube-apiserver /readyz',
          async () =>
            (await httpGet(`${server}/readyz`, { ca: serving.certPem, token: tokens.admin })).status === 200
              ? true
              : undefined,
          { timeoutMs, failFast, intervalMs: 250 },
        )),
    };
    this.#apiServer = apiServer;
    apiServer.start();
    await apiServer.ready(remaining());
    progress('starting kube-controller-manager and kube-scheduler');
    this.#spawn(binDir, 'kube-controller-manager', controllerManagerArgs(layout));
    this.#spawn(binDir, 'kube-scheduler', schedulerArgs(layout));
    const healthy = async (port: number): Promise<true | undefined> =>
      (await httpGet(`https://127.0.0.1:${port}/healthz`, { insecure: true })).status === 200 ? true : undefined;
    const access = connectToControlPlane(this.#endpoints);
    await Promise.all([
      pollUntil('kube-scheduler /healthz', async () => await healthy(schedulerPort), {
        timeoutMs: remaining(),
        failFast,
      }),
      pollUntil('kube-controller-manager /healthz', async () => await healthy(controllerManagerPort), {
        timeoutMs: remaining(),
        failFast,
      }),
      // Proves the service-account and token controllers run: pods in `default` can now be created.
      access.serviceAccountKubeConfig('default', 'default', { timeoutMs: remaining() }),
    ]);
    this.#watchForCrashes();
  }

  /** After a failed start: kill what runs, keep the logs, say where they are. */
  async abort(): Promise<void> {
    const logs = this.#processes.map(
      (p) => `  ${p.name}: ${p.logPath}${p.exit === undefined ? '' : ` (exited ${describeExit(p)})`}`,
    );
    const dead = this.#processes.filter((p) => p.exit !== undefined);
    await this.#stopProcesses();
    process.stderr.write(`[control-plane] start failed; logs kept in ${this.#workDir}:\n${logs.join('\n')}\n`);
    for (const failed of dead) {
      process.stderr.write(`[control-plane] last lines of ${failed.logPath}:\n${await tailOf(failed.logPath, 25)}\n`);
    }
  }

  handle(): ControlPlane {
    const access = connectToControlPlane(this.endpoints);
    return {
      ...access,
      logFiles: Object.fromEntries(this.#processes.map((p) => [p.name, p.logPath])),
      restartApiServer: async () => await this.#restartApiServer(),
      stop: async () => await this.#stop(),
    };
  }

  async #restartApiServer(): Promise<void> {
    const apiServer = this.#apiServer;
    const running = this.#processes.find(
      (component) => component.name === 'kube-apiserver' && component.exit === undefined,
    );
    if (apiServer === undefined || running === undefined) throw new Error('kube-apiserver is not running');
    this.#processes.splice(this.#processes.indexOf(running), 1);
    this.#retired.add(running);
    await running.stop(10_000);
    apiServer.start();
    await apiServer.ready(API_SERVER_RESTART_TIMEOUT_MS);
    this.#watchForCrashes([this.#processes.at(-1) as SupervisedProcess]);
  }

  #spawn(binDir: string, name: string, args: string[]): void {
    const spec: ProcessSpec = {
      name,
      command: join(binDir, name),
      args,
      logPath: join(this.#workDir, 'logs', `${name}.log`),
    };
    this.#processes.push(new SupervisedProcess(spec));
    // Read by the watchdog if this process dies without running its exit hooks.
    writeFileSync(join(this.#workDir, 'pids'), this.#processes.map((p) => `${p.pid}\n`).join(''));
  }

  #deadComponent(): string | undefined {
    const dead = this.#processes.find((p) => p.exit !== undefined);
    return dead === undefined ? undefined : `${dead.name} exited ${describeExit(dead)}; see ${dead.logPath}`;
  }

  #watchForCrashes(components: readonly SupervisedProcess[] = this.#processes): void {
    for (const component of components) {
      void component.exited.then(() => {
        if (this.#stopping || this.#retired.has(component)) return;
        process.stderr.write(
          `[control-plane] ${component.name} exited unexpectedly ${describeExit(component)}; log: ${component.logPath}\n`,
        );
      });
    }
  }

  #installCleanupHooks(): void {
    const removable = this.#keepWorkDir ? '' : this.#workDir;
    this.#watchdog = startWatchdog(join(this.#workDir, 'pids'), removable);
    this.#unregisterExitHook = onEmergencyExit(() => {
      for (const component of this.#processes) killGroupNow(component.pid);
      killGroupNow(this.#watchdog?.pid);
      if (!this.#keepWorkDir) removeDirNow(this.#workDir);
    });
  }

  async #stopProcesses(): Promise<void> {
    this.#stopping = true;
    await Promise.all(this.#processes.map(async (component) => await component.stop(3_000)));
    await this.#watchdog?.stop(0);
    this.#unregisterExitHook?.();
  }

  async #stop(): Promise<void> {
    this.#stopped ??= (async () => {
      await this.#stopProcesses();
      if (!this.#keepWorkDir) await rm(this.#workDir, { recursive: true, force: true });
    })();
    await this.#stopped;
  }
}

/** A restart of kube-apiserver alone: a warm start on a loaded machine. */
const API_SERVER_RESTART_TIMEOUT_MS = 60_000;

/** `--token-auth-file` format: token,user,uid,"group1,group2". */
function tokenAuthFile(tokens: Record<keyof typeof COMPONENT_USERS, string>): string {
  return (Object.keys(COMPONENT_USERS) as (keyof typeof COMPONENT_USERS)[])
    .map((name) => `${tokens[name]},${COMPONENT_USERS[name].user},${COMPONENT_USERS[name].uid},"system:masters"\n`)
    .join('');
}

function describeExit(component: SupervisedProcess): string {
  const exit = component.exit;
  if (exit === undefined) return '(still running)';
  return exit.signal === null ? `with code ${exit.code}` : `on ${exit.signal}`;
}

async function tailOf(path: string, lines: number): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

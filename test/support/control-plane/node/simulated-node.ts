import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import type { ContainerRef } from '../../../../src/domain/cluster/pod.js';
import { failed } from '../../../../src/adapters/in-memory/exec-handler.js';
import { ExecRegistry, type LostOutcome } from '../../simulated-cluster/exec-registry.js';
import { KubeletFaults, type ImageMatcher, type Undo } from '../../simulated-cluster/kubelet-faults.js';
import type { ExecResult } from '../../../../src/ports/cluster-api.port.js';
import { createServingCertificate } from '../pki.js';
import { execRequest, type ExecHandler, type ExecRecord, type ExecRequest } from './exec-request.js';
import type { ContainerHost } from './container-host.js';
import { ExecConnectionDropped } from './exec-session.js';
import { IpPool } from './ip-pool.js';
import { podRefOf, type PodMatcher } from './matchers.js';
import { KubeletServer, type ExecTarget } from './kubelet-server.js';
import { deleteNode, markNodeStopped, registerNode, type NodeCapacity } from './node-registration.js';
import { PodRuntime } from './pod-runtime.js';
import { PodWatch } from './pod-watch.js';
import { WorkQueue } from '../../../../src/adapters/runtime/work-queue.js';
import { systemClock } from '../../../../src/adapters/system/system-clock.js';

export interface SimulatedNodeOptions {
  /** Credentials for the node's own requests (the control plane's kubelet kubeconfig). */
  readonly kubeConfig: KubeConfig;
  /** Default `sim-node`. */
  readonly name?: string;
  /** Pod IPs come from here. Default `10.244.0.0/16`. */
  readonly podCidr?: string;
  /** Default 64 cpu, 256Gi memory, 1000 pods. */
  readonly capacity?: NodeCapacity;
  readonly labels?: Readonly<Record<string, string>>;
  /** Exec handlers, asked in order; more can be added with `onExec`. */
  readonly handlers?: readonly ExecHandler[];
  /** How long a failing pull shows ErrImagePull before ImagePullBackOff. Default 1000 ms. */
  readonly imagePullBackOffAfterMs?: number;
  /** Time between restarts of a crash-looping container. Default 1000 ms. */
  readonly crashLoopIntervalMs?: number;
  /** Time a container spends in ContainerCreating before it runs. Default 0. */
  readonly containerStartDelayMs?: number;
  /** Period of exec readiness probes (instead of the pod's periodSeconds, to keep tests fast). Default 500 ms. */
  readonly readinessProbeIntervalMs?: number;
  /** Runs real processes for the containers (the data-plane mode); without it no process runs. */
  readonly containerHost?: ContainerHost;
  /**
   * Where the API server reaches this kubelet, when not at 127.0.0.1 and its port: the
   * address and port a forwarder listens on in the API server's network namespace.
   */
  readonly reachableAt?: { readonly address: string; readonly port: number };
}

export interface StopOptions {
  /** Delete the Node object. By default it stays, NotReady and tainted, for the next kubelet to take over. */
  readonly deregister?: boolean;
}

export interface WhenPodOptions {
  /** Default 30 s. */
  readonly timeoutMs?: number;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/**
 * A kubelet without containers: registers a Node, writes realistic statuses
 * for the pods the scheduler binds to it (through pods/status, as a kubelet
 * does), restarts containers whose image is patched, removes pods being
 * deleted, and serves the kubelet exec endpoint through pluggable handlers.
 * Tests inject faults (failed pulls, unready or crash-looping containers) and
 * wait for convergence with `whenIdle` / `whenPod` instead of sleeping.
 */
export class SimulatedNode {
  readonly name: string;
  readonly #kubeConfig: KubeConfig;
  readonly #core: CoreV1Api;
  readonly #options: SimulatedNodeOptions;
  readonly #registry = new ExecRegistry<ExecRequest>();
  readonly #controls: KubeletFaults<V1Pod>;
  readonly #runtime: PodRuntime;
  readonly #queue: WorkQueue<string>;
  readonly #watch: PodWatch;
  readonly #waiters = new Set<() => void>();
  readonly #podListeners = new Set<(pod: V1Pod) => void>();
  readonly #drops: { readonly matches: (request: ExecRequest) => boolean; readonly fired: () => void }[] = [];
  #server: KubeletServer | undefined;
  #port: number | undefined;
  #started = false;
  #stopped = false;

  constructor(options: SimulatedNodeOptions) {
    this.name = options.name ?? 'sim-node';
    this.#options = options;
    this.#kubeConfig = options.kubeConfig;
    this.#core = options.kubeConfig.makeApiClient(CoreV1Api);
    for (const handler of options.handlers ?? []) this.#registry.add(handler);
    this.#controls = new KubeletFaults<V1Pod>(podRefOf, () => this.#resyncAll());
    this.#runtime = new PodRuntime(
      new IpPool(options.podCidr ?? '10.244.0.0/16'),
      this.#controls,
      {
        imagePullBackOffAfterMs: options.imagePullBackOffAfterMs ?? 1_000,
        crashLoopIntervalMs: options.crashLoopIntervalMs ?? 1_000,
        containerStartDelayMs: options.containerStartDelayMs ?? 0,
        readinessProbeIntervalMs: options.readinessProbeIntervalMs ?? 500,
      },
      async (pod, container, command) => {
        const result = await this.#registry.answerQuietly(this.#request(pod, container.name, command, Buffer.alloc(0)));
        return result === undefined || result.exitCode === 0;
      },
    );
    // One pod at a time, as the simulated runtime's state is not safe for concurrent syncs.
    this.#queue = new WorkQueue<string>((key) => this.#sync(key), { concurrency: 1, clock: systemClock });
    this.#watch = new PodWatch(options.kubeConfig, this.name, {
      onChange: (pod) => {
        this.#queue.add(keyOf(pod));
        this.#notifyWaiters();
        for (const listener of this.#podListeners) listener(pod);
      },
      onDelete: (pod) => this.#queue.add(keyOf(pod)),
    });
  }

  /** Port of the kubelet HTTPS endpoint on 127.0.0.1 (what the Node reports). */
  get kubeletPort(): number {
    if (this.#port === undefined) throw new Error(`simulated node ${this.name} is not started`);
    return this.#port;
  }

  /** Every exec through the kubelet endpoint, in the order they finished (probes and refused execs are not recorded). */
  get execLog(): readonly ExecRecord[] {
    return this.#registry.log;
  }

  clearExecLog(): void {
    this.#registry.clearLog();
  }

  /**
   * The next matching exec runs, but the caller gets `outcome` (a DomainError answers exit 126, as a
   * broken handler does); see ExecRegistry.failAfterRunning.
   */
  failExecAfterRunning(matches: (request: ExecRequest) => boolean, outcome: LostOutcome): void {
    this.#registry.failAfterRunning(matches, outcome);
  }

  /** Adds an exec handler after the others; returns its removal. Handlers of the in-memory cluster fit as they are. */
  onExec(handler: ExecHandler): Undo {
    const remove = this.#registry.add(handler);
    this.#resyncAll();
    return () => {
      remove();
      this.#resyncAll();
    };
  }

  /** Serves the kubelet endpoint, registers (or takes over) the Node and starts running its pods. */
  async start(): Promise<void> {
    if (this.#started) return;
    // The queue and watch are spent after stop(); a restarted kubelet is a new SimulatedNode.
    if (this.#stopped)
      throw new Error(`simulated node ${this.name} was stopped; create a new SimulatedNode to take over the Node`);
    const certDir = await mkdtemp(join(tmpdir(), 'gefyra-sim-kubelet-'));
    try {
      const tls = await createServingCertificate(certDir, 'kubelet', this.name);
      this.#server = new KubeletServer(
        { cert: tls.certPem, key: await readFile(tls.keyPath, 'utf8') },
        {
          refuseExec: (target) => this.#refuseExec(target),
          exec: async (target, command, stdin) => await this.#exec(target, command, stdin),
        },
      );
    } finally {
      await rm(certDir, { recursive: true, force: true });
    }
    this.#port = await this.#server.listen();
    await registerNode(this.#kubeConfig, {
      name: this.name,
      internalIP: this.#options.reachableAt?.address ?? '127.0.0.1',
      kubeletPort: this.#options.reachableAt?.port ?? this.#port,
      podCidr: this.#options.podCidr ?? '10.244.0.0/16',
      capacity: this.#options.capacity ?? { cpu: '64', memory: '256Gi', pods: '1000' },
      labels: this.#options.labels ?? {},
    });
    await this.#watch.start();
    this.#started = true;
  }

  async stop(options: StopOptions = {}): Promise<void> {
    if (!this.#started) return;
    this.#started = false;
    this.#stopped = true;
    await this.#queue.shutdown();
    await this.#watch.stop();
    await this.#server?.close();
    for (const wake of this.#waiters) wake();
    if (options.deregister === true) await deleteNode(this.#kubeConfig, this.name);
    else await markNodeStopped(this.#kubeConfig, this.name);
  }

  /**
   * A ConfigMap's data as this kubelet would mount it, read through the API
   * with the node's credentials; undefined when it does not exist. What
   * StowawaySimulator's `readConfigMap` wants, as InMemoryCluster's is.
   */
  async readConfigMap(namespace: string, name: string): Promise<Readonly<Record<string, string>> | undefined> {
    try {
      return (await this.#core.readNamespacedConfigMap({ namespace, name })).data ?? {};
    } catch (error) {
      if (statusCode(error) === 404) return undefined;
      throw error;
    }
  }

  /** The id of the container's current instance on this node; it changes whenever the container restarts. */
  containerIdOf(target: ContainerRef): string | undefined {
    const id = this.#runtime
      .record(`${target.namespace}/${target.name}`)
      ?.containers.get(target.container)?.containerID;
    return id === '' ? undefined : id;
  }

  /** The container's main process ends (as `nginx -s stop` ends Carrier): the node starts a new instance of it at once. */
  restartContainer(target: ContainerRef): void {
    const key = `${target.namespace}/${target.name}`;
    if (this.#runtime.restartContainer(key, target.container, Date.now())) this.#queue.add(key);
  }

  /** Pulls of matching images fail: ErrImagePull, then ImagePullBackOff; the pod stays Pending. */
  failImagePull(image: ImageMatcher): Undo {
    return this.#controls.failImagePull(image);
  }

  /** Matching pods run but never become Ready. */
  neverReady(pod: PodMatcher): Undo {
    return this.#controls.neverReady(pod);
  }

  /** The container crashes on every start: CrashLoopBackOff, restartCount rising. */
  crash(pod: PodMatcher, container: string): Undo {
    return this.#controls.crash(pod, container);
  }

  /**
   * The next exec that matches runs (and is logged with its result), then its
   * connection drops before the status is sent: the client cannot tell whether
   * the command ran. Resolves once that happened.
   */
  async dropExecConnectionOnce(matches: (request: ExecRequest) => boolean): Promise<void> {
    await new Promise<void>((fired) => this.#drops.push({ matches, fired }));
  }

  resetControls(): void {
    this.#controls.reset();
    for (const drop of this.#drops.splice(0)) drop.fired();
  }

  /** Resolves once every pod change seen so far has been acted on and its status written. */
  async whenIdle(): Promise<void> {
    await this.#queue.onIdle();
  }

  /**
   * Calls `listener` with every change of a pod bound to this node, as the
   * kubelet sees it (simulators that react to a pod's sync: Stowaway 2.x
   * refreshes its mounted route ConfigMap then).
   */
  onPodChange(listener: (pod: V1Pod) => void): Undo {
    this.#podListeners.add(listener);
    return () => this.#podListeners.delete(listener);
  }

  /** The pods bound to this node, as last seen. */
  pods(): readonly V1Pod[] {
    return this.#watch.list();
  }

  /**
   * Resolves with the first pod on this node that matches and satisfies
   * `predicate`, re-checking on every pod event instead of polling.
   */
  async whenPod(
    matcher: PodMatcher,
    predicate: (pod: V1Pod) => boolean = () => true,
    options: WhenPodOptions = {},
  ): Promise<V1Pod> {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const find = (): V1Pod | undefined =>
      this.pods().find((pod) => this.#controls.matchesPod(matcher, pod) && predicate(pod));
    const found = find();
    if (found !== undefined) return found;
    return await new Promise((resolve, reject) => {
      const check = (): void => {
        const pod = find();
        if (pod !== undefined) finish(() => resolve(pod));
        else if (!this.#started)
          finish(() => reject(new Error(`simulated node ${this.name} stopped while waiting for a pod`)));
      };
      const timer = setTimeout(
        () =>
          finish(() =>
            reject(new Error(`no pod on ${this.name} matched within ${timeoutMs} ms; pods: ${this.#describePods()}`)),
          ),
        timeoutMs,
      );
      const finish = (settle: () => void): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        settle();
      };
      this.#waiters.add(check);
    });
  }

  async #sync(key: string): Promise<void> {
    const [namespace = '', name = ''] = key.split('/');
    const pod = this.#watch.get(namespace, name);
    if (pod === undefined || pod.spec?.nodeName !== this.name) {
      await this.#forget(key);
      return;
    }
    try {
      if (pod.metadata?.deletionTimestamp !== undefined) {
        await this.#forget(key);
        await this.#remove(pod);
        return;
      }
      const step = await this.#runtime.step(key, pod, Date.now());
      const record = this.#runtime.record(key);
      if (record !== undefined && this.#options.containerHost !== undefined) {
        const containers = (pod.spec?.containers ?? []).flatMap((c) => record.containers.get(c.name) ?? []);
        const containerExited = (container: string): void => this.restartContainer({ namespace, name, container });
        await this.#options.containerHost.sync({ key, pod, podIP: record.podIP, containers, containerExited });
      }
      const json = JSON.stringify(step.status);
      if (record !== undefined && record.lastWritten !== json) {
        await this.#core.patchNamespacedPodStatus({ namespace, name, body: { status: step.status } }, mergePatch);
        record.lastWritten = json;
      }
      if (step.wakeAt !== undefined) this.#queue.addAfter(key, Math.max(0, step.wakeAt - Date.now()));
    } catch (error) {
      if (statusCode(error) === 404) {
        await this.#forget(key);
        return;
      }
      process.stderr.write(`[simulated-kubelet ${this.name}] syncing pod ${key} failed, retrying: ${String(error)}\n`);
      this.#queue.addAfter(key, 1_000);
    }
  }

  async #forget(key: string): Promise<void> {
    this.#runtime.forget(key);
    await this.#options.containerHost?.forget(key);
  }

  /** A kubelet removes a pod once its containers have stopped; here they stop at once. */
  async #remove(pod: V1Pod): Promise<void> {
    if (pod.metadata?.deletionGracePeriodSeconds === 0) return; // asked already; finalizers may hold it
    await this.#core.deleteNamespacedPod({
      namespace: pod.metadata?.namespace ?? '',
      name: pod.metadata?.name ?? '',
      gracePeriodSeconds: 0,
      body: { gracePeriodSeconds: 0, preconditions: { uid: pod.metadata?.uid ?? '' } },
    });
  }

  #refuseExec(target: ExecTarget): { status: number; message: string } | undefined {
    const key = `${target.namespace}/${target.pod}`;
    if (this.#watch.get(target.namespace, target.pod) === undefined || this.#runtime.record(key) === undefined) {
      return { status: 404, message: `pod does not exist ("${key}")` };
    }
    if (this.#runtime.runningContainer(key, target.container) === undefined) {
      return { status: 500, message: `container not found ("${target.container}")` };
    }
    return undefined;
  }

  async #exec(target: ExecTarget, command: readonly string[], stdin: Buffer): Promise<ExecResult> {
    const pod = this.#watch.get(target.namespace, target.pod);
    // Gone while stdin was read: the refusal came too late to be an HTTP status.
    if (pod === undefined)
      return failed(126, `simulated kubelet: pod ${target.namespace}/${target.pod} no longer exists\n`);
    let result: ExecResult;
    const request = this.#request(pod, target.container, command, stdin);
    try {
      result = await this.#registry.run(request);
    } catch (error) {
      // A broken handler must show up in the test (the log has the error), not hang the exec.
      return failed(126, `simulated kubelet: exec handler failed: ${String(error)}\n`);
    }
    const drop = this.#drops.find((candidate) => candidate.matches(request));
    if (drop === undefined) return result;
    this.#drops.splice(this.#drops.indexOf(drop), 1);
    drop.fired();
    throw new ExecConnectionDropped(command);
  }

  #request(pod: V1Pod, container: string, command: readonly string[], stdin: Buffer): ExecRequest {
    const status = this.#runtime.record(keyOf(pod))?.status;
    return execRequest({ pod, status, container, command, stdin, kubeConfig: this.#kubeConfig });
  }

  #resyncAll(): void {
    for (const pod of this.#watch.list()) this.#queue.add(keyOf(pod));
  }

  #notifyWaiters(): void {
    for (const check of [...this.#waiters]) check();
  }

  #describePods(): string {
    const pods = this.pods().map((pod) => {
      const containers = (pod.status?.containerStatuses ?? [])
        .map(
          (c) =>
            `${c.name}=${Object.keys(c.state ?? {}).join('')}` +
            `${c.state?.waiting?.reason === undefined ? '' : `(${c.state.waiting.reason})`}${c.ready ? ',ready' : ''}`,
        )
        .join(' ');
      return `${keyOf(pod)} ${pod.status?.phase ?? 'no status'} [${containers}]`;
    });
    return pods.length === 0 ? 'none' : pods.join('; ');
  }
}

function keyOf(pod: V1Pod): string {
  return `${pod.metadata?.namespace ?? ''}/${pod.metadata?.name ?? ''}`;
}

function statusCode(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? Number((error as { code: unknown }).code)
    : undefined;
}

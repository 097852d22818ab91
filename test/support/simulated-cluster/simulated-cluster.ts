import type { ContainerRef, Pod, PodPhase } from '../../../src/domain/cluster/pod.js';
import { DomainError, notFound, throwIfAborted } from '../../../src/domain/errors.js';
import type { ClusterApi, ExecResult, Manifest } from '../../../src/ports/cluster-api.port.js';
import { toDomainPod } from '../../../src/adapters/kubernetes/shapes/pod-mapping.js';
import {
  InMemoryCluster,
  type InMemoryClusterOptions,
  type PodManifestInput,
} from '../../../src/adapters/in-memory/in-memory-cluster.js';
import type { ExecCall, ExecHandler } from '../../../src/adapters/in-memory/exec-handler.js';
import { isRecord } from '../../../src/domain/json-reading.js';
import { fromManifest, type JsonObject, type StoredObject } from '../../../src/adapters/in-memory/stored-object.js';
import { secretRules, type KindRuleContext } from '../../../src/adapters/in-memory/write-rules.js';
import { DeploymentController } from './deployment-controller.js';
import { ExecRegistry, type ExecRecord, type LostOutcome } from './exec-registry.js';
import { FaultInjection } from './fault-injection.js';
import { applyKindRules } from './kind-rules.js';
import { namespaceAdmission, NamespaceController } from './namespace-lifecycle.js';
import type { ImageMatcher, PodMatcher } from './kubelet-faults.js';
import { PodKubelet } from './pod-kubelet.js';
import { StatefulSetController } from './statefulset-controller.js';

export interface SimulatedClusterOptions extends InMemoryClusterOptions {
  /** Whether exec readiness probes run through the exec handlers (see probeReadiness); true by default. */
  readonly execReadinessProbes?: boolean;
}

const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;

/**
 * The in-memory cluster with what a real one runs besides the API server: a
 * kubelet that runs pods at once (container-model.ts, shared with the control
 * plane's simulated node), Deployment, StatefulSet and namespace controllers,
 * the API server's kind rules (pod immutability, Service allocation, ...),
 * an exec log with lost outcomes, planned faults and call counts. Every call
 * settles the controllers before it returns, so a test sees the cluster as it
 * would after "a moment". Both contracts (test/contracts/cluster-api.contract.ts
 * and cluster-controllers.contract.ts) run on it and on the real control plane.
 */
export class SimulatedCluster extends InMemoryCluster {
  readonly #kubelet: PodKubelet;
  readonly #exec = new ExecRegistry();
  readonly #faults = new FaultInjection();
  readonly #execReadinessProbes: boolean;

  constructor(options: SimulatedClusterOptions = {}) {
    super(options);
    this.#execReadinessProbes = options.execReadinessProbes ?? true;
    this.#kubelet = new PodKubelet(this.store, this.now);
    this.controllers.push(
      this.#kubelet,
      new DeploymentController(this.store, this.now),
      new StatefulSetController(this.store),
      new NamespaceController(this.store),
    );
  }

  /** Creates a pod (and its namespace) and lets the kubelet run it; `ready: false` keeps it unready. */
  override addPod(manifest: PodManifestInput, options: { readonly ready?: boolean } = {}): Pod {
    const namespace = manifest.metadata.namespace ?? 'default';
    this.ensureNamespace(namespace);
    if (options.ready === false) this.#kubelet.neverReady(`${namespace}/${manifest.metadata.name}`);
    const full = { ...POD, ...manifest, metadata: { ...manifest.metadata, namespace } } as Manifest;
    this.mutate(() => this.store.create(fromManifest(full)));
    const pod = this.peekPod({ namespace, name: manifest.metadata.name });
    if (!pod) throw notFound(`Pod ${namespace}/${manifest.metadata.name}`);
    return pod;
  }

  /** A ConfigMap's data, for simulators that read a mounted ConfigMap. */
  readConfigMap(namespace: string, name: string): Readonly<Record<string, string>> | undefined {
    const found = this.store.get({ ...CONFIG_MAP, namespace, name });
    if (!found) return undefined;
    return isRecord(found['data']) ? ({ ...found['data'] } as Record<string, string>) : {};
  }

  /** The id of the container's current instance; it changes whenever the container restarts. */
  containerIdOf(target: ContainerRef): string | undefined {
    return this.peekPod(target)?.containerStatuses.find((status) => status.name === target.container)?.containerID;
  }

  // ---- Faults and call counts ------------------------------------------------

  /** The next call of `operation` whose arguments match throws `error`, before changing anything. */
  failNext(
    operation: keyof ClusterApi | (string & {}),
    error: DomainError,
    match?: (args: readonly unknown[]) => boolean,
  ): void {
    this.#faults.failNext(operation, error, match);
  }

  /** The next write (apply, create, replace, patch, remove, patchPod) that matches fails with Conflict. */
  conflictOnNextWrite(match?: (operation: string, args: readonly unknown[]) => boolean): void {
    this.#faults.conflictOnNextWrite(match);
  }

  /** How often a ClusterApi method was called (failed calls included). */
  callCount(operation: keyof ClusterApi | (string & {})): number {
    return this.#faults.callCount(operation);
  }

  resetCallCounts(): void {
    this.#faults.resetCounts();
  }

  /** Planned failures that have not fired yet. */
  get pendingFaults(): number {
    return this.#faults.pending;
  }

  /** Every API call: abort check, call count and planned faults, then the kubelet's probes catch up. */
  protected override async enter(operation: string, args: readonly unknown[], signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    this.#faults.enter(operation, args);
    if (operation === 'apply') refuseUnkeyedServicePorts(args[0] as Manifest);
    await super.enter(operation, args, signal);
  }

  // ---- Kubelet controls ------------------------------------------------------

  /** Containers with a matching image wait with ErrImagePull; the returned function lets pulls succeed again. */
  failImagePull(matcher: ImageMatcher): () => void {
    const undo = this.#kubelet.failImagePull(matcher);
    return () => this.mutate(undo);
  }

  /** Matching pods run but never become ready; the returned function lifts that. */
  neverReady(matcher: PodMatcher<Pod>): () => void {
    const undo = this.mutate(() => this.#kubelet.neverReady(matcher));
    return () => this.mutate(undo);
  }

  /** Until startKubelet, pods are not started and patched images not restarted: the state right after a write stays observable. */
  stopKubelet(): void {
    this.#kubelet.stop();
  }

  startKubelet(): void {
    this.mutate(() => this.#kubelet.start());
  }

  /** Forces a pod phase (Succeeded/Failed stop its containers); `Running` lets it run again. */
  setPodPhase(ref: { namespace: string; name: string }, phase: PodPhase): void {
    this.mutate(() => this.#kubelet.setPodPhase(ref, phase));
  }

  /** The container crashes and is restarted: new containerID, restartCount + 1. */
  restartContainer(target: ContainerRef): void {
    this.mutate(() => this.#kubelet.restartContainer(target));
  }

  // ---- Exec ------------------------------------------------------------------

  override onExec(handler: ExecHandler): () => void {
    return this.#exec.add(handler);
  }

  /** The next matching exec runs, but its caller gets `outcome` (see ExecRegistry.failAfterRunning). */
  failExecAfterRunning(matches: (call: ExecCall) => boolean, outcome: LostOutcome): void {
    this.#exec.failAfterRunning(matches, outcome);
  }

  /** Every exec call in order, with its result or error. */
  get execLog(): readonly ExecRecord[] {
    return this.#exec.log;
  }

  clearExecLog(): void {
    this.#exec.clearLog();
  }

  protected override async runExec(call: ExecCall): Promise<ExecResult> {
    return this.#exec.run(call);
  }

  protected override execRefused(call: Omit<ExecCall, 'podObject'>, error: DomainError): void {
    this.#exec.recordRefusal(call, error);
  }

  protected override kindRules(next: JsonObject, live: StoredObject | undefined, context: KindRuleContext): void {
    namespaceAdmission(this.store, next, live, context);
    applyKindRules(next, live, context, () =>
      this.store
        .list({ apiVersion: String(next['apiVersion']), kind: String(next['kind']) }, undefined)
        .filter((other) => other.metadata.uid !== live?.metadata.uid),
    );
    secretRules(next, live, context);
  }

  protected override async catchUp(): Promise<void> {
    await this.probeReadiness();
  }

  /**
   * Runs the exec readiness probes of running containers through the exec
   * handlers (unlogged; a command no handler knows passes) and updates
   * readiness. Every API call does this; call it after changing what a
   * simulator answers when you read the cluster with peek/peekPod.
   */
  async probeReadiness(): Promise<void> {
    if (!this.#execReadinessProbes) return;
    for (const probe of this.#kubelet.execProbes()) {
      const call = {
        namespace: probe.pod.metadata.namespace ?? '',
        pod: probe.pod.metadata.name,
        container: probe.container,
        command: probe.command,
        podObject: toDomainPod(probe.pod),
      };
      const ok = await this.#exec.answerQuietly(call).then(
        (result) => result === undefined || result.exitCode === 0,
        () => false,
      );
      this.mutate(() => this.#kubelet.recordProbe(probe, ok));
    }
  }
}

/**
 * Server-side apply merges a Service's ports as a list keyed by port and
 * protocol, and the real API server (1.20 here) gives the key no default: an
 * applied entry without `protocol` fails the whole apply (500), although a
 * create would default it to TCP.
 */
function refuseUnkeyedServicePorts(manifest: Manifest): void {
  if (manifest.kind !== 'Service' || !isRecord(manifest['spec'])) return;
  const ports = manifest['spec']['ports'];
  const unkeyed = Array.isArray(ports)
    ? ports.findIndex((port) => !isRecord(port) || port['protocol'] === undefined)
    : -1;
  if (unkeyed < 0) return;
  throw new DomainError(
    'Unavailable',
    `failed to create typed patch object: .spec.ports: element ${unkeyed}: associative list with keys has an element ` +
      'that omits key field "protocol" (and doesn\'t have default value)',
  );
}

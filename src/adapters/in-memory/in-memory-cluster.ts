import { createHash } from 'node:crypto';
import type { ContainerRef, Pod, PodRef } from '../../domain/cluster/pod.js';
import { DomainError, notFound, throwIfAborted } from '../../domain/errors.js';
import {
  describeRef,
  type ClusterApi,
  type ExecResult,
  type Manifest,
  type ObjectRef,
  type PodPatch,
} from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { isRecord } from '../../domain/json-reading.js';
import { execRequestFits, execRequestTooLarge } from '../kubernetes/shapes/exec-request.js';
import { mergePatchObject } from '../kubernetes/shapes/merge-patch.js';
import { toDomainPod } from '../kubernetes/shapes/pod-mapping.js';
import { buildPodPatchBody } from '../kubernetes/shapes/pod-patch.js';
import { applyMerge, appliedFieldPaths } from './apply-merge.js';
import { commandNotFound, type ExecCall, type ExecHandler } from './exec-handler.js';
import { KindRegistry } from './kind-registry.js';
import { ObjectStore, type StoreEvent, type WatchEventType } from './object-store.js';
import { applyPodPatchBody } from './pod-patch-apply.js';
import {
  fromManifest,
  metadataOf,
  refOfJson,
  timestamp,
  toManifest,
  type JsonObject,
  type StoredObject,
} from './stored-object.js';
import { secretRules, type KindRuleContext } from './write-rules.js';

export interface InMemoryClusterOptions {
  /** Source of creation and start times; the system clock by default. */
  readonly clock?: Pick<Clock, 'now'>;
  /** Namespaces that exist from the start; `default`, `kube-system` and `kube-public` by default. */
  readonly namespaces?: readonly string[];
}

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: Manifest;
}

/** A pod manifest for `addPod`; apiVersion and kind may be left out, the namespace defaults to `default`. */
export interface PodManifestInput {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: Omit<Manifest['metadata'], 'namespace'> & { readonly namespace?: string };
  readonly spec: Readonly<Record<string, unknown>>;
}

/** Reacts to every change, as a controller does; may write through the store. */
export interface StoreController {
  handle(event: StoreEvent): void;
}

const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
/** Controllers reacting to each other's writes settle in a few rounds; this many means a loop. */
const MAX_EVENTS_PER_CALL = 100_000;

/**
 * ClusterApi in memory: an object tracker in the spirit of controller-runtime's
 * fake client, for unit tests of domain services and plugins. It stores any
 * kind with the API server's identity, preconditions (409), NotFound, name and
 * label validation (422), finalizers, the status subresource, an apply merge,
 * garbage collection by ownerReferences and a watch stream; exec runs through
 * registered handlers. Nothing runs pods: `addPod` stores one as a kubelet
 * reports it running. The shared contract suite
 * (test/contracts/cluster-api.contract.ts) runs on this fake and on the real
 * API server. Subclasses (the tests' SimulatedCluster) add controllers such as
 * a kubelet, kind rules, planned faults and call counts through the protected
 * hooks.
 */
export class InMemoryCluster implements ClusterApi {
  protected readonly kinds = new KindRegistry();
  protected readonly store: ObjectStore;
  protected readonly now: () => Date;
  /** Run on every change until the cluster settles (see settle). */
  protected readonly controllers: StoreController[] = [];
  readonly #handlers: ExecHandler[] = [];
  readonly #listeners = new Set<(event: WatchEvent) => void>();
  /** Per object uid, the fields the last apply set: the fake's managedFields for its one apply manager. */
  readonly #appliedFields = new Map<string, string[]>();
  #podsAdded = 0;

  constructor(options: InMemoryClusterOptions = {}) {
    const clock = options.clock ?? { now: () => new Date() };
    this.now = (): Date => clock.now();
    this.store = new ObjectStore(this.kinds, this.now, (next, live, context) => this.kindRules(next, live, context));
    for (const namespace of options.namespaces ?? ['default', 'kube-system', 'kube-public'])
      this.ensureNamespace(namespace);
  }

  // ---- ObjectApi -------------------------------------------------------------

  async find(ref: ObjectRef, signal: AbortSignal): Promise<Manifest | undefined> {
    await this.enter('find', [ref], signal);
    const found = this.store.get(ref);
    return found && toManifest(found);
  }

  async list(
    kind: { apiVersion: string; kind: string },
    namespace: string | undefined,
    labels: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal,
  ): Promise<Manifest[]> {
    await this.enter('list', [kind, namespace, labels], signal);
    return this.store.list(kind, namespace, labels).map(toManifest);
  }

  /** Approximates server-side apply with a deep merge (see apply-merge.ts for what differs). */
  async apply(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    await this.enter('apply', [manifest], signal);
    return this.#after(() => {
      const desired = fromManifest(manifest);
      const live = this.store.get(refOfJson(desired));
      const resourceVersion = stringField(metadataOf(desired), 'resourceVersion');
      let written;
      if (!live) {
        const { resourceVersion: _ignored, ...metadata } = metadataOf(desired);
        written = this.store.create({ ...desired, metadata });
      } else {
        const merged = applyMerge(live, desired, this.#appliedFields.get(live.metadata.uid));
        written = this.store.update(refOfJson(desired), merged, 'main', precondition(resourceVersion));
      }
      this.#appliedFields.set(written.metadata.uid, appliedFieldPaths(desired));
      return toManifest(written);
    });
  }

  async create(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    await this.enter('create', [manifest], signal);
    return this.#after(() => toManifest(this.store.create(fromManifest(manifest))));
  }

  async replace(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    await this.enter('replace', [manifest], signal);
    return this.#after(() => {
      const desired = fromManifest(manifest);
      const metadata = metadataOf(desired);
      return toManifest(
        this.store.update(refOfJson(desired), desired, 'main', {
          ...precondition(stringField(metadata, 'resourceVersion')),
          ...(typeof metadata['uid'] === 'string' ? { uid: metadata['uid'] } : {}),
        }),
      );
    });
  }

  async patch(
    ref: ObjectRef,
    mergePatch: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
    options?: { readonly subresource?: 'status' },
  ): Promise<Manifest> {
    await this.enter('patch', [ref, mergePatch, options], signal);
    return this.#after(() => {
      const live = this.store.get(ref);
      const status = options?.subresource === 'status';
      if (!live || (status && !this.kinds.hasStatusSubresource(ref.apiVersion, ref.kind))) {
        throw notFound(status ? `status of ${describeRef(ref)}` : describeRef(ref));
      }
      const patched = mergePatchObject(live, mergePatch);
      const patchMetadata = isRecord(mergePatch['metadata']) ? mergePatch['metadata'] : {};
      return toManifest(
        this.store.update(
          ref,
          patched,
          status ? 'status' : 'main',
          precondition(stringField(patchMetadata, 'resourceVersion')),
        ),
      );
    });
  }

  async remove(ref: ObjectRef, signal: AbortSignal, options?: { readonly uid?: string }): Promise<void> {
    await this.enter('remove', [ref, options], signal);
    await this.#after(() => this.store.remove(ref, options?.uid === undefined ? {} : { uid: options.uid }));
  }

  // ---- PodApi ----------------------------------------------------------------

  async findPod(ref: PodRef, signal: AbortSignal): Promise<Pod | undefined> {
    await this.enter('findPod', [ref], signal);
    return this.peekPod(ref);
  }

  async listPods(namespace: string, labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Pod[]> {
    await this.enter('listPods', [namespace, labels], signal);
    return this.store.list(POD, namespace, labels).map((pod) => toDomainPod(pod));
  }

  async patchPod(ref: PodRef, patch: PodPatch, signal: AbortSignal): Promise<Pod> {
    await this.enter('patchPod', [ref, patch], signal);
    return this.#after(() => {
      const podRef = { ...POD, ...ref };
      const live = this.store.get(podRef);
      if (!live) throw notFound(describeRef(podRef));
      const next = applyPodPatchBody(live, buildPodPatchBody(patch), describeRef(podRef));
      return toDomainPod(this.store.update(podRef, next, 'main', precondition(patch.expectedResourceVersion)));
    });
  }

  // ---- ExecApi ---------------------------------------------------------------

  async exec(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<ExecResult> {
    await this.enter('exec', [target, command], signal);
    const call = { namespace: target.namespace, pod: target.name, container: target.container, command };
    const pod = this.peekPod(target);
    const refusal = execRequestFits(target, command) ? execRefusal(pod, target) : execRequestTooLarge(target, command);
    if (refusal || !pod) {
      const error = refusal ?? notFound(`Pod ${target.namespace}/${target.name}`);
      this.execRefused(call, error);
      throw error;
    }
    return this.runExec({ ...call, command: [...command], podObject: pod });
  }

  /** Registers a command handler after the existing ones; returns the function that removes it. */
  onExec(handler: ExecHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const index = this.#handlers.indexOf(handler);
      if (index >= 0) this.#handlers.splice(index, 1);
    };
  }

  /** The handlers in order, the first answer wins; a command none knows exits 127 as a shell would. */
  protected async runExec(call: ExecCall): Promise<ExecResult> {
    for (const handler of [...this.#handlers]) {
      const answer = await handler(call);
      if (answer !== undefined)
        return { exitCode: answer.exitCode, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
    }
    return commandNotFound(call.command);
  }

  /** An exec refused before any handler ran (a subclass logs it). */
  protected execRefused(_call: Omit<ExecCall, 'podObject'>, _error: DomainError): void {}

  /** Defaulting and validation per kind on writes, after the generic rules of write-rules.ts. */
  protected kindRules(next: JsonObject, live: StoredObject | undefined, context: KindRuleContext): void {
    secretRules(next, live, context);
  }

  // ---- Set-up and inspection for tests ---------------------------------------

  /** Creates the namespace unless it exists. */
  ensureNamespace(name: string): void {
    this.mutate(() => this.store.ensureNamespace(name));
  }

  /** Makes a custom kind's `status` writable only through the status subresource (e.g. gefyra.dev/v1 InterceptRequest). */
  registerStatusSubresource(apiVersion: string, kind: string): void {
    this.kinds.registerStatusSubresource(apiVersion, kind);
  }

  /**
   * Creates a pod (and its namespace) with the status a kubelet reports for it
   * running: a pod IP, every container running; ready unless `ready: false`.
   */
  addPod(manifest: PodManifestInput, options: { readonly ready?: boolean } = {}): Pod {
    const namespace = manifest.metadata.namespace ?? 'default';
    const ref = { ...POD, namespace, name: manifest.metadata.name };
    this.ensureNamespace(namespace);
    const full = { ...POD, ...manifest, metadata: { ...manifest.metadata, namespace } } as Manifest;
    const created = this.mutate(() => this.store.create(fromManifest(full)));
    const podIP = `10.244.0.${++this.#podsAdded}`;
    const status = runningStatus(toDomainPod(created), podIP, options.ready ?? true, timestamp(this.now()));
    this.mutate(() => this.store.update(ref, { status }, 'status'));
    const pod = this.peekPod(ref);
    if (!pod) throw notFound(`Pod ${namespace}/${manifest.metadata.name}`);
    return pod;
  }

  /** The stored object, without counting a call or checking faults. */
  peek(ref: ObjectRef): Manifest | undefined {
    const found = this.store.get(ref);
    return found && toManifest(found);
  }

  peekPod(ref: PodRef): Pod | undefined {
    const found = this.store.get({ ...POD, ...ref });
    return found && toDomainPod(found);
  }

  /** Every stored object of a kind, in all namespaces. */
  objects(kind: { apiVersion: string; kind: string }): Manifest[] {
    return this.store.list(kind, undefined).map(toManifest);
  }

  /** Every change as a watch event, in order; returns the function that unsubscribes. */
  subscribe(listener: (event: WatchEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Every API call: the abort check, then the subclass catches up (and may fail the call, see SimulatedCluster). */
  protected async enter(_operation: string, _args: readonly unknown[], signal: AbortSignal): Promise<void> {
    throwIfAborted(signal);
    await this.catchUp();
  }

  /** A change through the API, then the subclass catches up before the call returns. */
  async #after<T>(change: () => T): Promise<T> {
    const result = this.mutate(change);
    await this.catchUp();
    return result;
  }

  /** Asynchronous work a subclass does around each API call (the simulated kubelet's exec probes). */
  protected async catchUp(): Promise<void> {}

  /** Runs a change, then lets the controllers and watchers catch up, even when the change failed halfway. */
  protected mutate<T>(change: () => T): T {
    try {
      return change();
    } finally {
      this.#settle();
    }
  }

  #settle(): void {
    let handled = 0;
    for (let events = this.store.takeEvents(); events.length > 0; events = this.store.takeEvents()) {
      for (const event of events) {
        if (++handled > MAX_EVENTS_PER_CALL)
          throw new Error('in-memory cluster: controllers do not settle (a write loop)');
        for (const controller of this.controllers) {
          try {
            controller.handle(event);
          } catch (error) {
            // A real controller's failed write is logged and retried later; only bugs must surface.
            if (!(error instanceof DomainError)) throw error;
          }
        }
        if (event.type === 'DELETED') this.#appliedFields.delete(event.object.metadata.uid);
        this.#notify({ type: event.type, object: toManifest(event.object) });
      }
    }
  }

  #notify(event: WatchEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(structuredClone(event));
      } catch (error) {
        // A broken watcher must fail the test, not the API call that happened to trigger it.
        queueMicrotask(() => {
          throw error;
        });
      }
    }
  }
}

/** Why the API server or the kubelet would refuse an exec before running anything. */
function execRefusal(pod: Pod | undefined, target: ContainerRef): DomainError | undefined {
  if (!pod) return notFound(`Pod ${target.namespace}/${target.name}`);
  if (!pod.containers.some((container) => container.name === target.container)) {
    return new DomainError('Invalid', `container ${target.container} is not valid for pod ${target.name}`);
  }
  const status = pod.containerStatuses.find((entry) => entry.name === target.container);
  if (status?.current.state !== 'running') {
    return new DomainError(
      'Unavailable',
      `container ${target.container} of pod ${target.namespace}/${target.name} is not running`,
    );
  }
  return undefined;
}

function stringField(record: Readonly<Record<string, unknown>>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

const precondition = (resourceVersion: string | undefined): { resourceVersion?: string } =>
  resourceVersion === undefined ? {} : { resourceVersion };

/** The status a kubelet reports for a pod it runs; ids derive from the pod's uid and the image. */
function runningStatus(pod: Pod, podIP: string, ready: boolean, now: string): JsonObject {
  const condition = (type: string) => ({ type, status: ready || type === 'PodScheduled' ? 'True' : 'False' });
  const digest = (text: string) => createHash('sha256').update(text).digest('hex');
  return {
    phase: 'Running',
    hostIP: '10.0.0.10',
    podIP,
    startTime: now,
    conditions: ['PodScheduled', 'Initialized', 'ContainersReady', 'Ready'].map(condition),
    containerStatuses: pod.containers.map((container) => ({
      name: container.name,
      state: { running: { startedAt: now } },
      ready,
      restartCount: 0,
      image: container.image,
      imageID: `docker-pullable://${container.image.split(':')[0] ?? ''}@sha256:${digest(container.image)}`,
      containerID: `containerd://${digest(`${pod.uid}/${container.name}`)}`,
      started: true,
    })),
  };
}

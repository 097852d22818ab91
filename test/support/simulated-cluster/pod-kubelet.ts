import { isDeepStrictEqual } from 'node:util';
import type { ContainerRef, Pod, PodPhase, PodRef } from '../../../src/domain/cluster/pod.js';
import { notFound } from '../../../src/domain/errors.js';
import { isRecord } from '../../../src/domain/json-reading.js';
import { toDomainPod } from '../../../src/adapters/kubernetes/shapes/pod-mapping.js';
import {
  endRunning,
  recreating,
  restartRunning,
  stepContainer,
  type ContainerConditions,
  type ContainerModel,
} from './container-model.js';
import type { ObjectStore, StoreEvent } from '../../../src/adapters/in-memory/object-store.js';
import { KubeletFaults, type ImageMatcher, type PodMatcher, type Undo } from './kubelet-faults.js';
import { buildPodStatus } from './pod-status.js';
import { refOfStored, type JsonObject, type StoredObject } from '../../../src/adapters/in-memory/stored-object.js';

interface PodRuntime {
  readonly podIP: string;
  readonly startTime: number;
  containers: Map<string, ContainerModel>;
  phase?: Exclude<PodPhase, 'Running'>;
  /** The last exec readiness probe per container, valid for the instance it probed. */
  readonly probes: Map<string, { readonly containerID: string; readonly ok: boolean }>;
}

/** An exec readiness probe the kubelet wants run. */
export interface ExecProbe {
  readonly pod: StoredObject;
  readonly container: string;
  readonly containerID: string;
  readonly command: readonly string[];
}

const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
const HOST_IP = '10.0.0.10';
/** The control plane's node waits as long before a failed pull turns into ImagePullBackOff; crash loops are the node's alone. */
const TIMING = { imagePullBackOffAfterMs: 1_000, crashLoopIntervalMs: 1_000, startDelayMs: 0 } as const;

/**
 * A kubelet for the fake: every pod runs at once on one node. Containers start
 * (or fail to pull), get ids and a unique pod IP, and restart in place when a
 * patch changes their image, exactly the way the operator watches for them in
 * a real cluster: each container moves by the state machine the control
 * plane's simulated node uses too (container-model.ts). Readiness follows the
 * test controls and exec readiness probes (run by the cluster through its exec
 * handlers); other probes pass.
 * Writes go through the status subresource like a real kubelet's.
 */
export class PodKubelet {
  readonly #store: ObjectStore;
  readonly #now: () => Date;
  readonly #pods = new Map<string, PodRuntime>();
  readonly #faults = new KubeletFaults<Pod>(
    (pod) => pod,
    () => this.#syncAll(),
  );
  #running = true;
  #nextIp = 0;

  constructor(store: ObjectStore, now: () => Date) {
    this.#store = store;
    this.#now = now;
  }

  handle(event: StoreEvent): void {
    if (event.object.kind !== 'Pod' || event.object.apiVersion !== 'v1') return;
    if (event.type === 'DELETED') {
      this.#pods.delete(event.object.metadata.uid);
      return;
    }
    if (!this.#running) return;
    // Events are snapshots; the kubelet acts on the pod as it is now.
    const current = this.#store.get(refOfStored(event.object));
    if (current && current.metadata.uid === event.object.metadata.uid) this.#sync(current);
  }

  stop(): void {
    this.#running = false;
  }

  start(): void {
    this.#running = true;
    this.#syncAll();
  }

  failImagePull(matcher: ImageMatcher): Undo {
    return this.#faults.failImagePull(matcher);
  }

  neverReady(matcher: PodMatcher<Pod>): Undo {
    return this.#faults.neverReady(matcher);
  }

  setPodPhase(ref: PodRef, phase: PodPhase): void {
    const pod = this.#store.get({ ...POD, ...ref });
    if (!pod) throw notFound(`Pod ${ref.namespace}/${ref.name}`);
    const runtime = this.#runtimeOf(pod);
    const now = this.#now().getTime();
    if (phase === 'Running') delete runtime.phase;
    else runtime.phase = phase;
    if (phase === 'Succeeded' || phase === 'Failed') {
      const [reason, exitCode] = phase === 'Succeeded' ? ['Completed', 0] : ['Error', 1];
      runtime.containers = mapValues(runtime.containers, (model) => endRunning(model, exitCode, reason, now));
    }
    if (phase === 'Pending') runtime.containers = mapValues(runtime.containers, (model) => recreating(model, now));
    this.#sync(pod);
  }

  /** The container crashes and comes back: new containerID, restartCount + 1. */
  restartContainer(target: ContainerRef): void {
    const pod = this.#store.get({ ...POD, ...target });
    const model = pod && this.#runtimeOf(pod).containers.get(target.container);
    if (!pod || !model) throw notFound(`container ${target.container} of Pod ${target.namespace}/${target.name}`);
    this.#runtimeOf(pod).containers.set(
      target.container,
      restartRunning(model, this.#now().getTime(), { exitCode: 137, reason: 'Error' }),
    );
    this.#sync(pod);
  }

  /** Exec readiness probes of running containers, for the cluster to run through its exec handlers. */
  execProbes(): ExecProbe[] {
    if (!this.#running) return [];
    const probes: ExecProbe[] = [];
    for (const pod of this.#store.list(POD, undefined)) {
      const runtime = this.#pods.get(pod.metadata.uid);
      if (!runtime || pod.metadata.deletionTimestamp !== undefined) continue;
      for (const [container, command] of execReadinessCommands(pod)) {
        const model = runtime.containers.get(container);
        if (model?.state.kind === 'running') probes.push({ pod, container, containerID: model.containerID, command });
      }
    }
    return probes;
  }

  /** Readiness follows the latest probe of the instance; an instance not probed yet counts as passing. */
  recordProbe(probe: ExecProbe, ok: boolean): void {
    const runtime = this.#pods.get(probe.pod.metadata.uid);
    if (!runtime) return;
    runtime.probes.set(probe.container, { containerID: probe.containerID, ok });
    const current = this.#store.get(refOfStored(probe.pod));
    if (current && current.metadata.uid === probe.pod.metadata.uid && this.#running) this.#sync(current);
  }

  #syncAll(): void {
    if (!this.#running) return;
    for (const pod of this.#store.list(POD, undefined)) this.#sync(pod);
  }

  #runtimeOf(pod: StoredObject): PodRuntime {
    let runtime = this.#pods.get(pod.metadata.uid);
    if (!runtime) {
      runtime = {
        podIP: this.#allocateIp(),
        startTime: this.#now().getTime(),
        containers: new Map(),
        probes: new Map(),
      };
      this.#pods.set(pod.metadata.uid, runtime);
    }
    return runtime;
  }

  #allocateIp(): string {
    const index = this.#nextIp++;
    return `10.244.${Math.floor(index / 253)}.${(index % 253) + 2}`;
  }

  #sync(pod: StoredObject): void {
    if (pod.metadata.deletionTimestamp !== undefined) return;
    const runtime = this.#runtimeOf(pod);
    const now = this.#now().getTime();
    const view = toDomainPod(pod);
    if (runtime.phase === undefined) {
      const conditions: ContainerConditions = {
        ...TIMING,
        pullFails: (image) => this.#faults.pullFails(image),
        crashing: false,
      };
      const next = new Map<string, ContainerModel>();
      for (const container of view.containers) {
        next.set(
          container.name,
          stepContainer(container.name, runtime.containers.get(container.name), container.image, conditions, now).model,
        );
      }
      runtime.containers = next;
    }
    const status = this.#statusOf(pod, view, runtime, now);
    if (isDeepStrictEqual(pod['status'], status)) return;
    this.#store.update({ ...POD, namespace: view.namespace, name: view.name }, { status }, 'status');
  }

  #statusOf(pod: StoredObject, view: Pod, runtime: PodRuntime, now: number): JsonObject {
    const neverReady = this.#faults.isNeverReady(view);
    const probeOk = (model: ContainerModel): boolean => {
      const probe = runtime.probes.get(model.name);
      return probe === undefined || probe.containerID !== model.containerID || probe.ok;
    };
    const previous =
      isRecord(pod['status']) && Array.isArray(pod['status']['conditions'])
        ? pod['status']['conditions'].filter(isRecord)
        : [];
    const status = buildPodStatus({
      hostIP: HOST_IP,
      podIP: runtime.podIP,
      startTime: runtime.startTime,
      containers: [...runtime.containers.values()],
      initContainers: [],
      ready: (model) => !neverReady && runtime.phase === undefined && probeOk(model),
      previousConditions: previous.map((condition) => ({
        type: String(condition['type']),
        status: String(condition['status']),
        ...(typeof condition['lastTransitionTime'] === 'string'
          ? { lastTransitionTime: condition['lastTransitionTime'] }
          : {}),
      })),
      now,
      ...(runtime.phase === undefined ? {} : { phase: runtime.phase }),
    });
    // The API server sets the QoS class at creation; the fake has no admission to do it.
    return { ...status, qosClass: 'BestEffort' };
  }
}

function mapValues<K, V>(map: ReadonlyMap<K, V>, change: (value: V) => V): Map<K, V> {
  return new Map([...map].map(([key, value]) => [key, change(value)]));
}

/** `readinessProbe.exec.command` per container name. */
function execReadinessCommands(pod: StoredObject): Map<string, string[]> {
  const commands = new Map<string, string[]>();
  const spec = isRecord(pod['spec']) ? pod['spec'] : {};
  for (const container of Array.isArray(spec['containers']) ? spec['containers'] : []) {
    const probe =
      isRecord(container) && isRecord(container['readinessProbe']) ? container['readinessProbe'] : undefined;
    const command = probe && isRecord(probe['exec']) ? probe['exec']['command'] : undefined;
    if (isRecord(container) && typeof container['name'] === 'string' && Array.isArray(command)) {
      commands.set(container['name'], command.map(String));
    }
  }
  return commands;
}

import type { V1Container, V1Pod } from '@kubernetes/client-node';
import {
  restartRunning,
  stepContainer,
  type ContainerConditions,
  type ContainerModel,
} from '../../simulated-cluster/container-model.js';
import type { IpPool } from './ip-pool.js';
import { adoptContainer, buildPodStatus, type PodStatusJson } from './pod-status.js';
import type { KubeletFaults } from '../../simulated-cluster/kubelet-faults.js';

export interface RuntimeTiming {
  readonly imagePullBackOffAfterMs: number;
  readonly crashLoopIntervalMs: number;
  readonly containerStartDelayMs: number;
  readonly readinessProbeIntervalMs: number;
}

/** Runs an exec readiness probe; `true` when it passes. */
export type ProbeRunner = (pod: V1Pod, container: ContainerModel, command: readonly string[]) => Promise<boolean>;

interface ProbeResult {
  readonly containerID: string;
  readonly at: number;
  readonly ok: boolean;
}

/** The kubelet's memory of one pod (by UID: a pod recreated under the same name starts afresh). */
export interface PodRecord {
  readonly uid: string;
  readonly podIP: string;
  readonly ownsIp: boolean;
  readonly startTime: number;
  readonly containers: Map<string, ContainerModel>;
  readonly initContainers: Map<string, ContainerModel>;
  readonly probes: Map<string, ProbeResult>;
  /** JSON of the status last written, to skip writes that change nothing. */
  lastWritten?: string;
  /** The status as the node sees it now (exec handlers go by it); written to the API after each step. */
  status?: PodStatusJson;
}

export interface PodStep {
  readonly status: PodStatusJson;
  readonly wakeAt?: number;
}

/**
 * Decides what the containers of each pod on the node do next and what status
 * that gives; knows nothing of the API (the node writes the result).
 */
export class PodRuntime {
  readonly #records = new Map<string, PodRecord>();
  readonly #ips: IpPool;
  readonly #controls: KubeletFaults<V1Pod>;
  readonly #timing: RuntimeTiming;
  readonly #probe: ProbeRunner;

  constructor(ips: IpPool, controls: KubeletFaults<V1Pod>, timing: RuntimeTiming, probe: ProbeRunner) {
    this.#ips = ips;
    this.#controls = controls;
    this.#timing = timing;
    this.#probe = probe;
  }

  record(key: string): PodRecord | undefined {
    return this.#records.get(key);
  }

  /** A running container of a pod the node runs, or `undefined`. */
  runningContainer(key: string, container: string): ContainerModel | undefined {
    const model = this.#records.get(key)?.containers.get(container);
    return model?.state.kind === 'running' ? model : undefined;
  }

  /** A running container's process ended and the kubelet restarted it; false when it does not run. */
  restartContainer(key: string, container: string, now: number): boolean {
    const models = this.#records.get(key)?.containers;
    const model = models?.get(container);
    if (models === undefined || model?.state.kind !== 'running') return false;
    models.set(container, restartRunning(model, now));
    return true;
  }

  forget(key: string): void {
    const record = this.#records.get(key);
    if (record?.ownsIp === true) this.#ips.release(record.podIP);
    this.#records.delete(key);
  }

  async step(key: string, pod: V1Pod, now: number): Promise<PodStep> {
    let record = this.#records.get(key);
    if (record !== undefined && record.uid !== pod.metadata?.uid) {
      this.forget(key);
      record = undefined;
    }
    record ??= this.#admit(key, pod, now);
    const wakeAts: number[] = [];
    const advance = (models: Map<string, ContainerModel>, container: V1Container, crashing: boolean): void => {
      const conditions: ContainerConditions = {
        pullFails: (image) => this.#controls.pullFails(image),
        crashing,
        imagePullBackOffAfterMs: this.#timing.imagePullBackOffAfterMs,
        crashLoopIntervalMs: this.#timing.crashLoopIntervalMs,
        startDelayMs: this.#timing.containerStartDelayMs,
      };
      const next = stepContainer(container.name, models.get(container.name), container.image ?? '', conditions, now);
      models.set(container.name, next.model);
      if (next.wakeAt !== undefined) wakeAts.push(next.wakeAt);
    };
    for (const container of pod.spec?.initContainers ?? []) advance(record.initContainers, container, false);
    const initialized = [...record.initContainers.values()].every((c) => c.state.kind === 'running');
    // Like a kubelet, no app container starts before every init container completed.
    if (initialized) {
      for (const container of pod.spec?.containers ?? [])
        advance(record.containers, container, this.#controls.isCrashing(pod, container.name));
    }
    const neverReady = this.#controls.isNeverReady(pod);
    const statusNow = (): PodStatusJson =>
      buildPodStatus({
        hostIP: '127.0.0.1',
        podIP: record.podIP,
        startTime: record.startTime,
        containers: (pod.spec?.containers ?? []).map((c) => record.containers.get(c.name) ?? placeholder(c)),
        initContainers: (pod.spec?.initContainers ?? []).map(
          (c) => record.initContainers.get(c.name) ?? placeholder(c),
        ),
        ready: (c) => !neverReady && (record.probes.get(c.name)?.ok ?? true),
        previousConditions: pod.status?.conditions ?? [],
        now,
      });
    // Probes see the containers as they run now (a restarted one with its new image), readiness as last probed.
    record.status = statusNow();
    const probeWake = await this.#runProbes(pod, record, now);
    if (probeWake !== undefined) wakeAts.push(probeWake);
    const status = statusNow();
    record.status = status;
    return wakeAts.length === 0 ? { status } : { status, wakeAt: Math.min(...wakeAts) };
  }

  /** A pod new to this node; running containers a previous kubelet reported are taken over. */
  #admit(key: string, pod: V1Pod, now: number): PodRecord {
    const hostNetwork = pod.spec?.hostNetwork === true;
    const previousIp = pod.status?.podIP;
    if (!hostNetwork && previousIp !== undefined) this.#ips.reserve(previousIp);
    const podIP = hostNetwork ? '127.0.0.1' : (previousIp ?? this.#ips.allocate());
    const containers = new Map<string, ContainerModel>();
    for (const container of pod.spec?.containers ?? []) {
      const status = pod.status?.containerStatuses?.find((s) => s.name === container.name);
      const adopted = adoptContainer(status, container.image ?? '');
      if (adopted !== undefined) containers.set(container.name, adopted);
    }
    const startTime = pod.status?.startTime === undefined ? now : new Date(pod.status.startTime).getTime();
    const record: PodRecord = {
      uid: pod.metadata?.uid ?? '',
      podIP,
      ownsIp: !hostNetwork,
      startTime,
      containers,
      initContainers: new Map(),
      probes: new Map(),
    };
    this.#records.set(key, record);
    return record;
  }

  /**
   * Exec readiness probes go through the exec handlers (so a Stowaway whose
   * peer file is missing is not ready); a command no handler knows passes,
   * since nothing here can run it. Other probe kinds always pass.
   */
  async #runProbes(pod: V1Pod, record: PodRecord, now: number): Promise<number | undefined> {
    let wakeAt: number | undefined;
    for (const container of pod.spec?.containers ?? []) {
      const command = container.readinessProbe?.exec?.command;
      const model = record.containers.get(container.name);
      if (command === undefined || model?.state.kind !== 'running') continue;
      const last = record.probes.get(container.name);
      if (
        last === undefined ||
        last.containerID !== model.containerID ||
        now >= last.at + this.#timing.readinessProbeIntervalMs
      ) {
        const ok = await this.#probe(pod, model, command).catch(() => false);
        record.probes.set(container.name, { containerID: model.containerID, at: now, ok });
      }
      const next = (record.probes.get(container.name)?.at ?? now) + this.#timing.readinessProbeIntervalMs;
      wakeAt = wakeAt === undefined ? next : Math.min(wakeAt, next);
    }
    return wakeAt;
  }
}

/** An app container that waits for init containers has not been created yet. */
function placeholder(container: V1Container): ContainerModel {
  return {
    name: container.name,
    image: container.image ?? '',
    imageID: '',
    containerID: '',
    restartCount: 0,
    state: { kind: 'waiting', reason: 'ContainerCreating', since: Date.now() },
  };
}

import type { Pod, PodRef } from '../../../../domain/cluster/pod.js';
import { isDomainError } from '../../../../domain/errors.js';
import { fnv1a } from '../../../../domain/fingerprint.js';
import { arrayAt, isRecord, numberAt, recordAt, stringAt, stringMapAt } from '../../../../domain/json-reading.js';
import type { ClusterApi, Manifest, ObjectRef } from '../../../../ports/cluster-api.port.js';
import type { MountTarget } from './mount-target.js';
import {
  DUPLICATION_ID_LABEL,
  shadowHpa,
  shadowNameOf,
  shadowService,
  shadowServiceNameOf,
  shadowWorkload,
} from './shadow-clone.js';

/** Records, on the shadow, the workload it was copied from: a different copy is due when the workload changed. */
export const SHADOW_OF_ANNOTATION = 'bridge.gefyra.dev/shadow-of';
/**
 * HorizontalPodAutoscaler in the versions that hold its metrics, newest first:
 * autoscaling/v2 is served from Kubernetes 1.23, autoscaling/v2beta2 (the same
 * fields) up to 1.25. An API server serves at least one of them.
 */
const HPA_VERSIONS = ['autoscaling/v2', 'autoscaling/v2beta2'] as const;
const HPA_KIND = 'HorizontalPodAutoscaler';

const kindNotServed = (error: unknown): boolean =>
  isDomainError(error, 'NotFound') && error.details['reason'] === 'KindNotServed';

interface HpaKind {
  readonly apiVersion: string;
  readonly kind: string;
}

/** Where a mount's workload is, as the mount names it. */
export interface MountPlace {
  readonly target: MountTarget;
  readonly namespace: string;
  readonly container: string;
  /** The mount's uid: the shadow's duplication id, the same on every prepare. */
  readonly duplicationId: string;
}

export interface ShadowState {
  /** The shadow, its Service (and HPA copy) are there as the workload is now. */
  readonly current: boolean;
  /** A shadow pod is ready. */
  readonly ready: boolean;
}

/**
 * The workload side of a GefyraBridgeMount (contract §4 "Clone",
 * "Uninstall") through the ClusterApi port: the target workload, its
 * original pods, and the shadow with its Service and HPA copy.
 */
export class MountWorkload {
  readonly #cluster: ClusterApi;

  constructor(cluster: ClusterApi) {
    this.#cluster = cluster;
  }

  /** The target workload; undefined when it (or its namespace) is gone. */
  async find(place: MountPlace, signal: AbortSignal): Promise<Manifest | undefined> {
    const workload = await this.#cluster.find(workloadRef(place, place.target.name), signal);
    return workload?.metadata.deletionTimestamp === undefined ? workload : undefined;
  }

  /** The workload's own pods (never the shadow's), not being deleted. */
  async originals(place: MountPlace, workload: Manifest, signal: AbortSignal): Promise<Pod[]> {
    if (place.target.kind === 'Pod') {
      const pod = await this.#cluster.findPod({ namespace: place.namespace, name: place.target.name }, signal);
      return pod && !pod.deleting ? [pod] : [];
    }
    const selector = stringMapAt(recordAt(workload, 'spec')?.['selector'], 'matchLabels');
    if (Object.keys(selector).length === 0) return [];
    const pods = await this.#cluster.listPods(place.namespace, selector, signal);
    return pods.filter((pod) => !pod.deleting && pod.labels[DUPLICATION_ID_LABEL] === undefined);
  }

  /** One pod as it is now; undefined when it is gone. */
  async pod(ref: PodRef, signal: AbortSignal): Promise<Pod | undefined> {
    return this.#cluster.findPod(ref, signal);
  }

  /** The ports of the mounted container as the workload declares them; undefined when it has no such container. */
  containerPorts(place: MountPlace, workload: Manifest): number[] | undefined {
    const container = containersOf(workload).find((entry) => stringAt(entry, 'name') === place.container);
    if (container === undefined) return undefined;
    return arrayAt(container, 'ports').flatMap((port) => {
      const number = numberAt(port, 'containerPort');
      return number === undefined ? [] : [number];
    });
  }

  async shadowState(place: MountPlace, workload: Manifest, signal: AbortSignal): Promise<ShadowState | undefined> {
    const shadow = await this.#cluster.find(workloadRef(place, shadowNameOf(place.target.name)), signal);
    if (shadow === undefined) return undefined;
    const service = await this.#cluster.find(this.#serviceRef(place), signal);
    const hpa = await this.#originalHpa(place, signal);
    const hpaCopy = hpa && (await this.#withHpas((kind) => this.#cluster.find(this.#hpaRef(place, kind), signal)));
    const current =
      service !== undefined &&
      (hpa === undefined || hpaCopy !== undefined) &&
      (place.target.kind === 'Pod'
        ? // A bare Pod's spec holds carrier2's image while mounted: its copy is judged by the duplication id alone.
          shadow.metadata.labels?.[DUPLICATION_ID_LABEL] === place.duplicationId
        : shadow.metadata.annotations?.[SHADOW_OF_ANNOTATION] === copyFingerprint(place, workload));
    return { current, ready: await this.#shadowReady(place, shadow, signal) };
  }

  /** Creates or updates the shadow, its Service and the HPA copy. Fails with Invalid when the workload has no such container. */
  async prepare(place: MountPlace, workload: Manifest, labels: Readonly<Record<string, string>>, signal: AbortSignal) {
    const ports = this.containerPorts(place, workload) ?? [];
    const shadowRef = workloadRef(place, shadowNameOf(place.target.name));
    // A bare Pod holds the carrier's image while mounted: its copy is made once, never from the mounted Pod.
    const copyMade = place.target.kind === 'Pod' && (await this.#cluster.find(shadowRef, signal)) !== undefined;
    if (!copyMade) await this.#cluster.apply(shadowOf(place, workload), signal);
    await this.#cluster.apply(
      shadowService({
        workloadName: place.target.name,
        namespace: place.namespace,
        container: place.container,
        containerPorts: ports,
        labels,
        duplicationId: place.duplicationId,
      }),
      signal,
    );
    const hpa = await this.#originalHpa(place, signal);
    if (hpa !== undefined) await this.#cluster.apply(shadowHpa(hpa, shadowNameOf(place.target.name)), signal);
  }

  /** Deletes the shadow, its Service and HPA copy; what is gone already is fine. */
  async removeShadow(place: MountPlace, signal: AbortSignal): Promise<void> {
    await this.#withHpas((kind) => this.#cluster.remove(this.#hpaRef(place, kind), signal));
    await this.#cluster.remove(this.#serviceRef(place), signal);
    await this.#cluster.remove(workloadRef(place, shadowNameOf(place.target.name)), signal);
  }

  /** Whether anything of the shadow is left. */
  async shadowLeft(place: MountPlace, signal: AbortSignal): Promise<boolean> {
    for (const ref of [workloadRef(place, shadowNameOf(place.target.name)), this.#serviceRef(place)]) {
      if ((await this.#cluster.find(ref, signal)) !== undefined) return true;
    }
    return (await this.#withHpas((kind) => this.#cluster.find(this.#hpaRef(place, kind), signal))) !== undefined;
  }

  /** The in-cluster name of the shadow's Service. */
  shadowServiceOf(place: MountPlace): { readonly name: string; readonly namespace: string } {
    return { name: shadowServiceNameOf(place.target.name, place.container), namespace: place.namespace };
  }

  /** The pods of the namespace carrying `labels` (a carrier's): where a mount's carrier may be left after its workload went. */
  async podsLabelled(namespace: string, labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Pod[]> {
    return this.#cluster.listPods(namespace, labels, signal);
  }

  async #shadowReady(place: MountPlace, shadow: Manifest, signal: AbortSignal): Promise<boolean> {
    if (place.target.kind !== 'Pod') return (numberAt(recordAt(shadow, 'status'), 'readyReplicas') ?? 0) > 0;
    const pod = await this.#cluster.findPod({ namespace: place.namespace, name: shadow.metadata.name }, signal);
    return pod?.ready === true;
  }

  async #originalHpa(place: MountPlace, signal: AbortSignal): Promise<Manifest | undefined> {
    if (place.target.kind === 'Pod') return undefined;
    const hpas = await this.#withHpas((kind) => this.#cluster.list(kind, place.namespace, undefined, signal));
    return hpas.find((hpa) => {
      const ref = recordAt(recordAt(hpa, 'spec'), 'scaleTargetRef');
      return stringAt(ref, 'kind') === place.target.kind && stringAt(ref, 'name') === place.target.name;
    });
  }

  #serviceRef(place: MountPlace): ObjectRef {
    return { apiVersion: 'v1', kind: 'Service', ...this.shadowServiceOf(place) };
  }

  #hpaRef(place: MountPlace, kind: HpaKind): ObjectRef {
    return { ...kind, namespace: place.namespace, name: shadowNameOf(place.target.name) };
  }

  /** `use` with the newest HPA version the API server serves. */
  async #withHpas<T>(use: (kind: HpaKind) => Promise<T>): Promise<T> {
    const [newest, older] = HPA_VERSIONS;
    try {
      return await use({ apiVersion: newest, kind: HPA_KIND });
    } catch (error) {
      if (!kindNotServed(error)) throw error;
      return await use({ apiVersion: older, kind: HPA_KIND });
    }
  }
}

function workloadRef(place: MountPlace, name: string): ObjectRef {
  const apiVersion = place.target.kind === 'Pod' ? 'v1' : 'apps/v1';
  return { apiVersion, kind: place.target.kind, namespace: place.namespace, name };
}

/** The shadow with the record of what it copies; the record leaves out what the cluster fills in. */
function shadowOf(place: MountPlace, workload: Manifest): Manifest {
  const shadow = shadowWorkload(workload, place.duplicationId);
  return {
    ...shadow,
    metadata: {
      ...shadow.metadata,
      annotations: { ...shadow.metadata.annotations, [SHADOW_OF_ANNOTATION]: copyFingerprint(place, workload) },
    },
  };
}

/** What makes a different copy due: not `spec.replicas`, which an HPA (and the HPA copy, for the shadow) keeps changing. */
function copyFingerprint(place: MountPlace, workload: Manifest): string {
  const copy = shadowWorkload(workload, place.duplicationId);
  const { replicas: _replicas, ...spec } = recordAt(copy, 'spec') ?? {};
  return fnv1a(JSON.stringify({ ...copy, spec }));
}

function containersOf(workload: Manifest): readonly unknown[] {
  const spec = recordAt(workload, 'spec');
  const podSpec = workload.kind === 'Pod' ? spec : recordAt(recordAt(spec, 'template'), 'spec');
  return arrayAt(podSpec, 'containers').filter(isRecord);
}

import type { ContainerRef, Pod } from '../../../../domain/cluster/pod.js';
import type {
  CarrierConfiguration,
  CarrierInstaller,
  CarrierObservation,
  CarrierOwner,
} from '../../../../ports/carrier-installer.port.js';
import type { Manifest } from '../../../../ports/cluster-api.port.js';
import type { BridgeRoutes } from '../../ports/bridge-routes.port.js';
import type { GefyraBridgeStore } from '../../ports/gefyra2-object-store.port.js';
import type { StoredMount } from './bridge-mount.js';
import { mountConfiguration, routedBridgesOf } from './mount-configuration.js';
import { parseMountTarget } from './mount-target.js';
import type { MountPlace, MountWorkload } from './mount-workload.js';

/** An original pod of a mount, with its carrier as it is and the configuration it is to run. */
export interface OriginalView {
  readonly pod: Pod;
  readonly observation: CarrierObservation;
  /** The carrier in it is this mount's. */
  readonly mine: boolean;
  readonly configuration: CarrierConfiguration;
  /** Its carrier runs `configuration`. */
  readonly current: boolean;
}

export const carrierOwnerOf = (mount: StoredMount): CarrierOwner => ({ uid: mount.uid, request: mount.name });

/** Where the mount's workload is; undefined when the mount does not name it usably. */
export function placeOf(mount: StoredMount): MountPlace | undefined {
  const target = parseMountTarget(mount.target);
  const { targetNamespace, targetContainer } = mount;
  if (!target.ok || typeof targetNamespace !== 'string' || typeof targetContainer !== 'string') return undefined;
  if (targetNamespace === '' || targetContainer === '') return undefined;
  return { target: target.target, namespace: targetNamespace, container: targetContainer, duplicationId: mount.uid };
}

/**
 * carrier2 in a mount's original pods: what each runs and is to run, and the
 * push. Both the mount and the bridge services push, each from what it reads
 * fresh (every bridge of the mount, its routes, the pods): a push that lost
 * a race is followed by one from the newer read, and the fingerprint tells
 * whether the carrier runs the latest. One instance serves both services, so
 * that a configuration is pushed once into each container, whoever asks.
 */
export class MountCarriers {
  readonly #workload: MountWorkload;
  readonly #bridges: GefyraBridgeStore;
  readonly #routes: BridgeRoutes;
  /** The push under way per container (`namespace/pod/container`), with the configuration it sends. */
  readonly #pushes = new Map<string, { readonly fingerprint: string | undefined; readonly done: Promise<boolean> }>();

  constructor(dependencies: { workload: MountWorkload; bridges: GefyraBridgeStore; routes: BridgeRoutes }) {
    this.#workload = dependencies.workload;
    this.#bridges = dependencies.bridges;
    this.#routes = dependencies.routes;
  }

  get workload(): MountWorkload {
    return this.#workload;
  }

  /** The workload's original pods, each as its carrier shows it. */
  async originals(
    mount: StoredMount,
    place: MountPlace,
    workload: Manifest,
    carrier: CarrierInstaller,
    signal: AbortSignal,
  ): Promise<OriginalView[]> {
    const pods = await this.#workload.originals(place, workload, signal);
    if (pods.length === 0) return [];
    const bridges = await routedBridgesOf(mount, this.#bridges, this.#routes, signal);
    const shadowService = this.#workload.shadowServiceOf(place);
    return pods.map((pod) => {
      const observation = carrier.observe(pod, place.container);
      const configuration = mountConfiguration({
        pod,
        container: place.container,
        shadowService,
        bridges,
        proxyHost: (port) => this.#routes.proxyHost(port),
      });
      const mine = observation.state !== 'absent' && observation.owner.uid === mount.uid;
      const current = mine && observation.state === 'running' && observation.configured === configuration.fingerprint;
      return { pod, observation, mine, configuration, current };
    });
  }

  /**
   * Sends each named pod that runs the mount's carrier its configuration;
   * returns the pods that were not running yet (starting), to be pushed
   * when they run.
   */
  async push(
    place: MountPlace,
    views: readonly OriginalView[],
    carrier: CarrierInstaller,
    signal: AbortSignal,
  ): Promise<{ readonly pushed: readonly string[]; readonly notRunning: readonly string[] }> {
    const pushed: string[] = [];
    const notRunning: string[] = [];
    for (const view of views) {
      if (view.current) continue;
      if (!view.mine || view.observation.state !== 'running') {
        notRunning.push(view.pod.name);
        continue;
      }
      const target = { namespace: view.pod.namespace, name: view.pod.name, container: place.container };
      if (await this.#pushOnce(target, view.configuration, carrier, signal)) pushed.push(view.pod.name);
    }
    return { pushed, notRunning };
  }

  /**
   * One push per configuration and container: the mount and its bridges
   * push into the same pods, each from its own read. A push of the same
   * configuration under way is waited for, not repeated; one that took
   * since `views` were read shows on the pod (the carrier's record, in the
   * cluster), and is not repeated either. False when nothing was pushed.
   */
  async #pushOnce(
    target: ContainerRef,
    configuration: CarrierConfiguration,
    carrier: CarrierInstaller,
    signal: AbortSignal,
  ): Promise<boolean> {
    const key = `${target.namespace}/${target.name}/${target.container}`;
    const { fingerprint } = configuration;
    const underWay = this.#pushes.get(key);
    if (fingerprint !== undefined && underWay?.fingerprint === fingerprint) {
      await underWay.done;
      return false;
    }
    const done = this.#pushUnlessTaken(target, configuration, carrier, signal);
    const entry = { fingerprint, done };
    this.#pushes.set(key, entry);
    try {
      return await done;
    } finally {
      if (this.#pushes.get(key) === entry) this.#pushes.delete(key);
    }
  }

  async #pushUnlessTaken(
    target: ContainerRef,
    configuration: CarrierConfiguration,
    carrier: CarrierInstaller,
    signal: AbortSignal,
  ): Promise<boolean> {
    const pod = await this.#workload.pod(target, signal);
    const seen = pod && carrier.observe(pod, target.container);
    const { fingerprint } = configuration;
    if (fingerprint !== undefined && seen?.state === 'running' && seen.configured === fingerprint) return false;
    await carrier.configure(target, configuration, signal);
    return true;
  }
}

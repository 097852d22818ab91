import { createHash } from 'node:crypto';
import { type ContainerRef, findContainer, type Pod } from '../../domain/cluster/pod.js';
import { DomainError } from '../../domain/errors.js';
import type {
  CarrierConfiguration,
  CarrierInstaller,
  CarrierObservation,
  CarrierOwner,
  CarrierProblem,
  CarrierRequestKind,
  CarrierTarget,
} from '../../ports/carrier-installer.port.js';
import type { ExecApi, PodApi } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { carrier2Problems, carrier2ProbePorts } from './carrier2-install.js';
import { carrier2PushCommand, carrier2PushOutcome } from './carrier2-push.js';
import {
  CARRIER2_POD_LABELS,
  carrier2Annotation,
  configuredAnnotation,
  readCarrier2Record,
  readConfiguredRecord,
  recordedContainers,
  writeConfiguredRecord,
} from './carrier2-record.js';
import type { Carrier2Settings } from './carrier2-settings.js';
import { carrier2Yaml } from './carrier2-yaml.js';
import {
  type ImageSwap,
  imageSwapOf,
  imageSwapPatch,
  imageSwapUndoPatch,
  observeImageSwap,
} from '../shared/image-swap.js';

/**
 * Gefyra's carrier2 in front of a GefyraBridgeMount's original pods:
 * installed by swapping the container's image (command and args kept; the
 * image's `busybox init` starts carrier2 with its built-in configuration,
 * which proxies nothing), configured by one exec that writes the whole
 * configuration and hands over to a carrier2 started with it, restored by
 * swapping the image back.
 */
export class Carrier2Installer implements CarrierInstaller {
  readonly #cluster: PodApi & ExecApi;
  readonly #clock: Clock;
  readonly #settings: Carrier2Settings;
  /** The push in progress (or last) per container, `namespace/pod/container`: pushes into one container are serialised. */
  readonly #pushes = new Map<string, Promise<void>>();
  readonly #swap: ImageSwap;

  constructor(cluster: PodApi & ExecApi, clock: Clock, settings: Carrier2Settings) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#settings = settings;
    this.#swap = imageSwapOf(settings, {
      isImageOf: isImageOf,
      labels: CARRIER2_POD_LABELS,
      recordAnnotation: carrier2Annotation,
    });
  }

  readonly name = 'carrier2';
  readonly displayName = 'carrier2';
  readonly serves: readonly CarrierRequestKind[] = ['GefyraBridgeMount'];
  readonly podLabels = CARRIER2_POD_LABELS;

  get startupTimeoutMs(): number {
    return this.#settings.startupTimeoutMs;
  }

  get image(): string {
    return this.#swap.image;
  }

  validate(target: CarrierTarget): readonly CarrierProblem[] {
    return carrier2Problems(target.pod, target.container);
  }

  ownersOf(pod: Pod): CarrierOwner[] {
    return recordedContainers(pod.annotations).flatMap(
      (container) => readCarrier2Record(pod.annotations, container)?.owner ?? [],
    );
  }

  /** As every image-swapping carrier, plus `configured`: the configuration this container instance took. */
  observe(pod: Pod, container: string): CarrierObservation {
    const seen = observeImageSwap(pod, container, this.#swap);
    if (seen.state !== 'running') return seen;
    const configured = readConfiguredRecord(pod.annotations, container);
    return configured?.containerID === seen.containerID ? { ...seen, configured: configured.fingerprint } : seen;
  }

  /** Records the original container on the pod and swaps in carrier2's image, in one write. */
  async install(target: CarrierTarget, signal: AbortSignal): Promise<Pod> {
    return this.#cluster.patchPod(target.pod, imageSwapPatch(target, this.#swap, this.#clock.now()), signal);
  }

  /**
   * Pushes the whole configuration unless the running container instance
   * took this one already (its record on the pod). The push ends the carrier2
   * that runs, whatever its outcome, so the record of an earlier
   * configuration goes first and the new one is written only after carrier2
   * bootstrapped with it.
   */
  async configure(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal): Promise<void> {
    // The mount and its bridges push into the same pods: two pushes at once would race for carrier2's
    // upgrade socket, and the one that lost would still read as taken. One at a time per container.
    const key = `${target.namespace}/${target.name}/${target.container}`;
    const before = this.#pushes.get(key) ?? Promise.resolve();
    const push = before.catch(() => undefined).then(() => this.#push(target, configuration, signal));
    const settled = push.catch(() => undefined);
    this.#pushes.set(key, settled);
    void settled.then(() => {
      if (this.#pushes.get(key) === settled) this.#pushes.delete(key);
    });
    return push;
  }

  async #push(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal): Promise<void> {
    const pod = await this.#cluster.findPod(target, signal);
    const seen = pod ? this.observe(pod, target.container) : undefined;
    if (!pod || seen?.state !== 'running') {
      throw new DomainError('NotReady', `carrier2 in ${describe(target)} is not running`, { retryable: true });
    }
    const container = findContainer(pod, target.container);
    const yaml = carrier2Yaml(configuration, container ? carrier2ProbePorts(container) : []);
    const fingerprint = configuration.fingerprint ?? createHash('sha256').update(yaml).digest('hex');
    if (seen.configured === fingerprint) return;
    const record = configuredAnnotation(target.container);
    if (pod.annotations[record] !== undefined) {
      await this.#cluster.patchPod(pod, { annotations: { [record]: null } }, signal);
    }
    const result = await this.#cluster.exec(target, carrier2PushCommand(yaml, { debug: this.#settings.debug }), signal);
    // Before its daemon starts, carrier2 writes to the push's own streams (an upgrade is not redirected to its log).
    const outcome = carrier2PushOutcome([result.stdout, result.stderr].join('\n'));
    if (!outcome.ok) {
      throw new DomainError('ExecFailed', `carrier2 in ${describe(target)}: ${outcome.reason}`, {
        // A configuration carrier2 panics on is refused again; one it did not start with may start the next time.
        retryable: !outcome.reason.includes('panicked'),
      });
    }
    await this.#cluster.patchPod(
      target,
      { annotations: { [record]: writeConfiguredRecord({ containerID: seen.containerID, fingerprint }) } },
      signal,
    );
  }

  async restore(target: ContainerRef, owner: CarrierOwner, signal: AbortSignal): Promise<void> {
    const pod = await this.#cluster.findPod(target, signal);
    if (!pod) return;
    const patch = imageSwapUndoPatch(pod, target.container, owner, this.#swap, {
      othersRemain: recordedContainers(pod.annotations).length > 1,
      alsoRemove: [configuredAnnotation(target.container)],
    });
    if (patch) await this.#cluster.patchPod(pod, patch, signal);
  }
}

/** An image reference (or image ID) of carrier2's repository, whatever its tag or digest. */
function isImageOf(repository: string, reference: string): boolean {
  const at = reference.indexOf(repository);
  if (at < 0) return false;
  const next = reference.charAt(at + repository.length);
  return next === '' || next === ':' || next === '@';
}

const describe = (target: ContainerRef): string => `${target.namespace}/${target.name} (${target.container})`;

import { type ContainerRef, findContainer, findContainerStatus, type Pod } from '../../domain/cluster/pod.js';
import { DomainError } from '../../domain/errors.js';
import type {
  CarrierConfiguration,
  CarrierInstaller,
  CarrierObservation,
  CarrierOwner,
} from '../../ports/carrier-installer.port.js';
import type { ExecApi, PodApi } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { CARRIER_ANNOTATION_PREFIX, CARRIER_POD_LABELS, carrierAnnotation, readCarrierRecord, writeCarrierRecord } from './carrier-record.js';
import type { CarrierSettings } from './carrier-settings.js';

/** Waiting reasons after which a container will not start by itself soon. */
const TROUBLE_REASONS = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CrashLoopBackOff', 'CreateContainerError', 'CreateContainerConfigError', 'ErrImageNeverPull']);

/**
 * Gefyra's Carrier: installed by swapping only the target container's image
 * (the one container field a running pod accepts; the kubelet restarts that
 * container in place), configured by exec, restored by swapping back.
 */
export class GefyraCarrierInstaller implements CarrierInstaller {
  readonly #cluster: PodApi & ExecApi;
  readonly #clock: Clock;
  readonly #settings: CarrierSettings;

  constructor(cluster: PodApi & ExecApi, clock: Clock, settings: CarrierSettings) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#settings = settings;
  }

  readonly podLabels = CARRIER_POD_LABELS;

  ownersOf(pod: Pod): CarrierOwner[] {
    return Object.keys(pod.annotations)
      .filter((key) => key.startsWith(CARRIER_ANNOTATION_PREFIX))
      .flatMap((key) => readCarrierRecord(pod.annotations, key.slice(CARRIER_ANNOTATION_PREFIX.length))?.owner ?? []);
  }

  get image(): string {
    return `${this.#settings.image}:${this.#settings.tag}`;
  }

  observe(pod: Pod, container: string): CarrierObservation {
    const record = readCarrierRecord(pod.annotations, container);
    if (!record) return { state: 'absent' };
    const image = findContainer(pod, container)?.image;
    const replacedBy = image !== undefined && !this.#isCarrierImage(image) ? { replacedBy: image } : {};
    const base = { owner: record.owner, installedAt: record.installedAt, original: record.original, ...replacedBy };
    const status = findContainerStatus(pod, container);
    const runsCarrier = status !== undefined && this.#isCarrierImage(status.imageID || status.image);
    if (status && runsCarrier && status.current.state === 'running') {
      return { state: 'running', ...base, containerID: status.containerID ?? `${pod.uid}/${container}/${status.restartCount}` };
    }
    if (status?.current.state === 'waiting' && TROUBLE_REASONS.has(status.current.reason)) {
      const detail = status.current.message ? `${status.current.reason}: ${status.current.message}` : status.current.reason;
      return { state: 'failing', ...base, reason: detail };
    }
    return { state: 'starting', ...base };
  }

  async install(pod: Pod, container: string, owner: CarrierOwner, signal: AbortSignal): Promise<Pod> {
    const spec = findContainer(pod, container);
    if (!spec) throw new DomainError('NotFound', `pod ${pod.namespace}/${pod.name} has no container ${container}`);
    const record = writeCarrierRecord({
      owner,
      original: {
        image: spec.image,
        ...(spec.command ? { command: spec.command } : {}),
        ...(spec.args ? { args: spec.args } : {}),
      },
      installedAt: this.#clock.now(),
    });
    return this.#cluster.patchPod(
      pod,
      {
        labels: CARRIER_POD_LABELS,
        annotations: { [carrierAnnotation(container)]: record },
        images: { [container]: this.image },
        expectedResourceVersion: pod.resourceVersion,
      },
      signal,
    );
  }

  async configure(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal): Promise<void> {
    for (const route of configuration.routes) {
      await this.#run(target, ['/bin/busybox', 'sh', 'setroute.sh', String(route.containerPort), `${route.proxyHost}:${route.proxyPort}`], signal);
    }
    for (const port of configuration.probePorts) {
      await this.#run(target, ['/bin/busybox', 'sh', 'setprobe.sh', String(port)], signal);
    }
    if (configuration.syncDirectories.length > 0) {
      await this.#run(
        target,
        ['/bin/busybox', 'sh', 'syncdirs.sh', `${target.name}/${target.container}`, ...configuration.syncDirectories],
        signal,
      );
    }
  }

  async restore(target: ContainerRef, owner: CarrierOwner, signal: AbortSignal): Promise<void> {
    const pod = await this.#cluster.findPod(target, signal);
    if (!pod) return;
    const record = readCarrierRecord(pod.annotations, target.container);
    if (!record || record.owner.uid !== owner.uid) return;
    // An image someone else set while intercepted is theirs to keep; only Carrier is replaced.
    const image = findContainer(pod, target.container)?.image;
    const images = image !== undefined && this.#isCarrierImage(image) ? { [target.container]: record.original.image } : {};
    const othersRemain = this.ownersOf(pod).length > 1;
    const labels = othersRemain ? {} : Object.fromEntries(Object.keys(CARRIER_POD_LABELS).map((key) => [key, null]));
    await this.#cluster.patchPod(
      pod,
      { labels, annotations: { [carrierAnnotation(target.container)]: null }, images, expectedResourceVersion: pod.resourceVersion },
      signal,
    );
  }

  #isCarrierImage(reference: string): boolean {
    const repository = this.#settings.image.replace(/^docker\.io\//, '');
    return reference.includes(repository);
  }

  async #run(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<void> {
    const result = await this.#cluster.exec(target, command, signal);
    if (result.exitCode !== 0) {
      throw new DomainError(
        'ExecFailed',
        `Carrier in ${target.namespace}/${target.name} (${target.container}) refused \`${command.slice(2).join(' ')}\` with exit code ${result.exitCode}: ${result.stderr.trim() || result.stdout.trim()}`,
        { retryable: true },
      );
    }
  }
}

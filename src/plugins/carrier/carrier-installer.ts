import { type ContainerRef, findContainerStatus, type Pod } from '../../domain/cluster/pod.js';
import { DomainError, toDomainError } from '../../domain/errors.js';
import type {
  CarrierConfiguration,
  CarrierInstaller,
  CarrierObservation,
  CarrierOwner,
  CarrierProblem,
  CarrierRequestKind,
  CarrierTarget,
} from '../../ports/carrier-installer.port.js';
import type { ExecApi, ExecResult, PodApi } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import {
  CARRIER_CONFIG_PATH,
  CARRIER_RESTART_COMMAND,
  type CarrierConfigReading,
  conflictIn,
  probeStep,
  readCarrierConfig,
  routeStep,
} from './carrier-config-reading.js';
import {
  CARRIER_ANNOTATION_PREFIX,
  CARRIER_POD_LABELS,
  carrierAnnotation,
  readCarrierRecord,
  syncAnnotation,
} from './carrier-record.js';
import { carrierProbeProblems } from './carrier-probes.js';
import {
  type ImageSwap,
  imageSwapOf,
  imageSwapPatch,
  imageSwapUndoPatch,
  observeImageSwap,
} from '../shared/image-swap.js';
import type { CarrierSettings } from './carrier-settings.js';

/**
 * Gefyra's Carrier: installed by swapping only the target container's image
 * (the one container field a running pod accepts; the kubelet restarts that
 * container in place), configured by exec, restored by swapping back.
 */
export class GefyraCarrierInstaller implements CarrierInstaller {
  readonly #cluster: PodApi & ExecApi;
  readonly #clock: Clock;
  readonly #settings: CarrierSettings;
  readonly #swap: ImageSwap;

  constructor(cluster: PodApi & ExecApi, clock: Clock, settings: CarrierSettings) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#settings = settings;
    this.#swap = imageSwapOf(settings, {
      isImageOf: (repository, reference) => reference.includes(repository),
      labels: CARRIER_POD_LABELS,
      recordAnnotation: carrierAnnotation,
    });
  }

  readonly name = 'carrier';
  readonly displayName = 'Carrier';
  readonly serves: readonly CarrierRequestKind[] = ['InterceptRequest'];
  readonly podLabels = CARRIER_POD_LABELS;

  get startupTimeoutMs(): number {
    return this.#settings.startupTimeoutMs;
  }

  validate(target: CarrierTarget): readonly CarrierProblem[] {
    return carrierProbeProblems(target);
  }

  ownersOf(pod: Pod): CarrierOwner[] {
    return Object.keys(pod.annotations)
      .filter((key) => key.startsWith(CARRIER_ANNOTATION_PREFIX))
      .flatMap((key) => readCarrierRecord(pod.annotations, key.slice(CARRIER_ANNOTATION_PREFIX.length))?.owner ?? []);
  }

  get image(): string {
    return this.#swap.image;
  }

  observe(pod: Pod, container: string): CarrierObservation {
    return observeImageSwap(pod, container, this.#swap);
  }

  /** Records the original container on the pod and swaps in Carrier's image, in one write. */
  async install(target: CarrierTarget, signal: AbortSignal): Promise<Pod> {
    return this.#cluster.patchPod(target.pod, imageSwapPatch(target, this.#swap, this.#clock.now()), signal);
  }

  /**
   * Carrier's scripts only ever append, so every script runs at most once per
   * container instance: the config is read first and after every script, a
   * script runs only for what the config does not show yet, and an exec whose
   * outcome is unknown (an error, a dropped connection) is settled by the
   * config it left, never by running the script again blind. A config the
   * scripts cannot repair (a block written twice, a route that changed)
   * makes Carrier restart to start clean.
   */
  async configure(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal): Promise<void> {
    let reading = await this.#readConfig(target, configuration, signal);
    const steps = [...configuration.routes.map(routeStep), ...configuration.probePorts.map(probeStep)];
    for (const step of steps.filter((candidate) => candidate.stateIn(reading) === 'absent')) {
      const outcome = await this.#attempt(target, step.command, signal);
      reading = await this.#readConfig(target, configuration, signal);
      if (step.stateIn(reading) === 'absent') {
        throw new DomainError(
          'ExecFailed',
          `Carrier in ${describe(target)}: \`${step.name}\` left no trace in ` +
            `${CARRIER_CONFIG_PATH} (${outcome}); it runs again only after the config was read again`,
          { retryable: true },
        );
      }
    }
    if (configuration.syncDirectories.length > 0)
      await this.#syncDirectories(target, configuration.syncDirectories, signal);
  }

  /**
   * Nothing in the container shows whether syncdirs.sh ran, so the pod records
   * (before the exec) the container instance it is started in: finding that
   * record again means an earlier attempt's outcome is unknown (its operator
   * crashed, or its status was never written), and only a clean start settles
   * it, as it settles an exec that ends badly.
   */
  async #syncDirectories(target: ContainerRef, directories: readonly string[], signal: AbortSignal): Promise<void> {
    const pod = await this.#cluster.findPod(target, signal);
    const containerID = pod && findContainerStatus(pod, target.container)?.containerID;
    if (!pod || !containerID) throw new DomainError('NotReady', `Carrier in ${describe(target)} is not running`);
    if (pod.annotations[syncAnnotation(target.container)] === containerID) {
      await this.#restartClean(
        target,
        'syncdirs.sh was started in this container before, with an outcome nobody saw',
        signal,
      );
    }
    await this.#cluster.patchPod(pod, { annotations: { [syncAnnotation(target.container)]: containerID } }, signal);
    const command = ['/bin/busybox', 'sh', 'syncdirs.sh', `${target.name}/${target.container}`, ...directories];
    const outcome = await this.#attempt(target, command, signal).catch((error: unknown) => {
      throw refusedSync(toDomainError(error), directories);
    });
    if (outcome !== SUCCEEDED)
      await this.#restartClean(target, `syncdirs.sh ended with an unknown outcome (${outcome})`, signal);
  }

  async restore(target: ContainerRef, owner: CarrierOwner, signal: AbortSignal): Promise<void> {
    const pod = await this.#cluster.findPod(target, signal);
    if (!pod) return;
    const patch = imageSwapUndoPatch(pod, target.container, owner, this.#swap, {
      othersRemain: this.ownersOf(pod).length > 1,
      alsoRemove: [syncAnnotation(target.container)],
    });
    if (patch) await this.#cluster.patchPod(pod, patch, signal);
  }

  /** Carrier's config as the scripts left it; one it cannot recover from restarts Carrier (and throws). */
  async #readConfig(
    target: ContainerRef,
    wanted: CarrierConfiguration,
    signal: AbortSignal,
  ): Promise<CarrierConfigReading> {
    const result = await this.#cluster.exec(target, ['cat', CARRIER_CONFIG_PATH], signal);
    if (result.exitCode !== 0) {
      throw new DomainError(
        'ExecFailed',
        `could not read ${CARRIER_CONFIG_PATH} in Carrier in ${describe(target)}: ${outputOf(result)}`,
        { retryable: true },
      );
    }
    const reading = readCarrierConfig(result.stdout);
    const conflict = conflictIn(reading, wanted);
    if (conflict !== undefined) await this.#restartClean(target, conflict, signal);
    return reading;
  }

  /** Runs a script and says how it ended, without judging: the config decides whether it took effect. */
  async #attempt(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<string> {
    try {
      const result = await this.#cluster.exec(target, command, signal);
      return result.exitCode === 0 ? SUCCEEDED : `exit code ${result.exitCode}: ${outputOf(result)}`;
    } catch (thrown) {
      const error = toDomainError(thrown);
      // A request refused as malformed or too large ran nothing, and is refused
      // the same way again: no outcome to settle, and restarting cannot help.
      if (error.kind === 'Aborted' || error.kind === 'Invalid') throw error;
      return `no answer: ${error.message}`;
    }
  }

  /** Ends Carrier's nginx so the kubelet starts a clean container; the next pass configures that one. */
  async #restartClean(target: ContainerRef, why: string, signal: AbortSignal): Promise<never> {
    const outcome = await this.#attempt(target, CARRIER_RESTART_COMMAND, signal);
    throw new DomainError(
      'ExecFailed',
      `Carrier in ${describe(target)} cannot be repaired in place (${why}); ` +
        `${outcome === SUCCEEDED ? 'restarted it' : `asked it to restart (${outcome})`} to configure a clean container`,
      { retryable: true },
    );
  }
}

const SUCCEEDED = 'exit code 0';

/** The directories to sync are the one part of an exec a request makes arbitrarily long: say so. */
function refusedSync(error: DomainError, directories: readonly string[]): DomainError {
  if (error.kind !== 'Invalid') return error;
  const characters = directories.reduce((sum, directory) => sum + directory.length, 0);
  return new DomainError(
    'Invalid',
    `syncDownDirectories (${directories.length} directories, ${characters} characters) cannot be passed to Carrier: ${error.message}`,
    {
      retryable: false,
      details: error.details,
    },
  );
}

const describe = (target: ContainerRef): string => `${target.namespace}/${target.name} (${target.container})`;

const outputOf = (result: ExecResult): string => result.stderr.trim() || result.stdout.trim() || 'no output';

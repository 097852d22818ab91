import { findContainerStatus, type ContainerRef, type Pod } from '../../src/domain/cluster/pod.js';
import type { DomainError } from '../../src/domain/errors.js';
import type {
  CarrierConfiguration,
  CarrierInstaller,
  CarrierObservation,
  CarrierOwner,
  CarrierProblem,
  CarrierRequestKind,
  CarrierTarget,
} from '../../src/ports/carrier-installer.port.js';
import type { PodApi } from '../../src/ports/cluster-api.port.js';

export const FAKE_CARRIER_IMAGE = 'example.test/selective-carrier:1';
const LABEL = 'fake-carrier.test/installed';
const OWNER_UID = 'fake-carrier.test/owner-uid';
const OWNER_REQUEST = 'fake-carrier.test/owner-request';
const ORIGINAL_IMAGE = 'fake-carrier.test/original-image';
const CONFIGURED = 'fake-carrier.test/configured';

/**
 * A selective carrier that does what the CarrierInstaller port promises and
 * no more, on the pod itself: install swaps the image and records the owner
 * and the original image in the same patch; observe reads only the pod;
 * configure records `<containerID>|<fingerprint>` (so a restarted container
 * shows no configuration); restore puts the image back. It records every
 * call, can refuse pods and fail the next configure or install.
 */
export class FakeCarrierInstaller implements CarrierInstaller {
  readonly name: string;
  readonly displayName = 'selective carrier (fake)';
  readonly serves: readonly CarrierRequestKind[];
  readonly startupTimeoutMs = 60_000;
  readonly podLabels = { [LABEL]: 'true' };
  readonly installs: string[] = [];
  readonly configures: { readonly pod: string; readonly configuration: CarrierConfiguration }[] = [];
  readonly restores: string[] = [];
  readonly #pods: PodApi;
  readonly #refusals = new Map<string, CarrierProblem>();
  readonly #failures: { operation: 'configure' | 'install'; error: DomainError }[] = [];

  constructor(pods: PodApi, options: { name?: string; serves?: readonly CarrierRequestKind[] } = {}) {
    this.#pods = pods;
    this.name = options.name ?? 'fake-selective';
    this.serves = options.serves ?? ['GefyraBridgeMount'];
  }

  /** The carrier refuses this pod (validate) with `problem`. */
  refuse(pod: string, problem: CarrierProblem): void {
    this.#refusals.set(pod, problem);
  }

  allow(pod: string): void {
    this.#refusals.delete(pod);
  }

  /** The next call of `operation` throws `error` before changing anything. */
  failNext(operation: 'configure' | 'install', error: DomainError): void {
    this.#failures.push({ operation, error });
  }

  /** The configuration the pod's carrier runs now, as the last configure of its current instance sent it. */
  runningConfiguration(pod: Pod): CarrierConfiguration | undefined {
    const observation = this.observe(pod, this.#containerOf(pod));
    if (observation.state !== 'running' || observation.configured === undefined) return undefined;
    return [...this.configures]
      .reverse()
      .find((call) => call.pod === pod.name && call.configuration.fingerprint === observation.configured)
      ?.configuration;
  }

  ownersOf(pod: Pod): CarrierOwner[] {
    const uid = pod.annotations[OWNER_UID];
    const request = pod.annotations[OWNER_REQUEST];
    return uid !== undefined && request !== undefined ? [{ uid, request }] : [];
  }

  validate(target: CarrierTarget): readonly CarrierProblem[] {
    const refused = this.#refusals.get(target.pod.name);
    return refused ? [refused] : [];
  }

  observe(pod: Pod, container: string): CarrierObservation {
    const [owner] = this.ownersOf(pod);
    if (owner === undefined) return { state: 'absent' };
    const presence = { owner, installedAt: pod.createdAt, replaced: pod.annotations[ORIGINAL_IMAGE] };
    const status = findContainerStatus(pod, container);
    if (status?.image !== FAKE_CARRIER_IMAGE || status.current.state !== 'running' || !status.containerID) {
      return status?.current.state === 'waiting' && status.current.reason !== 'ContainerCreating'
        ? { state: 'failing', reason: status.current.reason, ...presence }
        : { state: 'starting', ...presence };
    }
    const [configuredIn, fingerprint] = (pod.annotations[CONFIGURED] ?? '').split('|');
    return {
      state: 'running',
      containerID: status.containerID,
      ...(configuredIn === status.containerID && fingerprint ? { configured: fingerprint } : {}),
      ...presence,
    };
  }

  async install(target: CarrierTarget, signal: AbortSignal): Promise<Pod> {
    this.#failIfPlanned('install');
    const original = target.pod.containers.find((container) => container.name === target.container)?.image ?? '';
    this.installs.push(target.pod.name);
    return this.#pods.patchPod(
      target.pod,
      {
        labels: this.podLabels,
        annotations: {
          [OWNER_UID]: target.owner.uid,
          [OWNER_REQUEST]: target.owner.request,
          [ORIGINAL_IMAGE]: original,
        },
        images: { [target.container]: FAKE_CARRIER_IMAGE },
        expectedResourceVersion: target.pod.resourceVersion,
      },
      signal,
    );
  }

  async configure(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal): Promise<void> {
    this.#failIfPlanned('configure');
    const pod = await this.#pods.findPod(target, signal);
    const containerID = pod && findContainerStatus(pod, target.container)?.containerID;
    if (!pod || !containerID) throw new Error(`fake carrier: ${target.name} does not run`);
    this.configures.push({ pod: target.name, configuration });
    await this.#pods.patchPod(
      target,
      { annotations: { [CONFIGURED]: `${containerID}|${configuration.fingerprint ?? ''}` } },
      signal,
    );
  }

  async restore(target: ContainerRef, owner: CarrierOwner, signal: AbortSignal): Promise<void> {
    const pod = await this.#pods.findPod(target, signal);
    if (!pod || this.ownersOf(pod)[0]?.uid !== owner.uid) return;
    this.restores.push(target.name);
    await this.#pods.patchPod(
      target,
      {
        labels: { [LABEL]: null },
        annotations: { [OWNER_UID]: null, [OWNER_REQUEST]: null, [ORIGINAL_IMAGE]: null, [CONFIGURED]: null },
        images: { [target.container]: pod.annotations[ORIGINAL_IMAGE] ?? '' },
      },
      signal,
    );
  }

  #containerOf(pod: Pod): string {
    return pod.containerStatuses.find((status) => status.image === FAKE_CARRIER_IMAGE)?.name ?? '';
  }

  #failIfPlanned(operation: 'configure' | 'install'): void {
    const index = this.#failures.findIndex((failure) => failure.operation === operation);
    if (index < 0) return;
    const [failure] = this.#failures.splice(index, 1);
    throw failure!.error;
  }
}

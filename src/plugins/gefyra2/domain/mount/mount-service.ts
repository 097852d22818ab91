import { chooseCarrier, noCarrierMessage } from '../../../../domain/intercept/carrier-choice.js';
import { DomainError, toDomainError } from '../../../../domain/errors.js';
import type { ReconcileResult } from '../../../../domain/reconcile-result.js';
import type { CarrierInstaller } from '../../../../ports/carrier-installer.port.js';
import type { Clock } from '../../../../ports/clock.port.js';
import type { EventRecorder } from '../../../../ports/event-recorder.port.js';
import type { Logger } from '../../../../ports/logger.port.js';
import type { GefyraBridgeMountStore, GefyraBridgeStore } from '../../ports/gefyra2-object-store.port.js';
import { BRIDGE_MOUNT_LABEL } from '../admission/bridge-parameters.js';
import { microsecondTimestamp } from '../client/client-states.js';
import { enteredAt } from '../lifecycle.js';
import type { Gefyra2ObjectRef } from '../gefyra2-object.js';
import type { StoredMount } from './bridge-mount.js';
import { carrierOwnerOf, placeOf, type MountCarriers, type OriginalView } from './mount-carriers.js';
import { decideMount, type MountObservation, type MountStep } from './mount-decision.js';
import { MOUNT_REASONS, mountEvent } from './mount-events.js';
import type { MountState } from './mount-states.js';
import type { MountPlace } from './mount-workload.js';

export interface MountServiceDependencies {
  readonly mounts: GefyraBridgeMountStore;
  readonly bridges: GefyraBridgeStore;
  /** The workload, the shadow and carrier2 in the original pods. */
  readonly carriers: MountCarriers;
  /** Every loaded carrier; the one serving GefyraBridgeMounts is chosen (chooseCarrier). */
  readonly installers: readonly CarrierInstaller[];
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface MountServiceSettings {
  /** The contract's 60 s check of an ACTIVE mount: workload gone, shadow out of date, a new original pod. */
  readonly checkIntervalMs: number;
  /** How soon to look again while the shadow or an original pod gets ready (the original retries each second). */
  readonly progressRecheckMs: number;
}

export const MOUNT_SERVICE_SETTINGS: MountServiceSettings = { checkIntervalMs: 60_000, progressRecheckMs: 1000 };

/** A reconcile that keeps finding work after this many steps is a loop, not progress. */
const MAX_STEPS = 20;
const NO_CARRIER = 'NoCarrierLoaded';

/**
 * Reconciles one GefyraBridgeMount: observes the workload, the shadow and
 * the original pods, asks `decideMount` for the one next step, does it,
 * observes again, until the answer is to wait. Every transition is written
 * with its µs timestamp and told in an Event with the contract's reasons;
 * every failure ends in ERROR with its reason or, when retrying can help, in
 * a Warning Event before the runtime retries.
 */
export class MountService {
  readonly #deps: MountServiceDependencies;
  readonly #settings: MountServiceSettings;

  constructor(dependencies: MountServiceDependencies, settings: MountServiceSettings = MOUNT_SERVICE_SETTINGS) {
    this.#deps = dependencies;
    this.#settings = settings;
  }

  async reconcile(ref: Gefyra2ObjectRef, signal: AbortSignal): Promise<ReconcileResult> {
    const carrier = chooseCarrier(this.#deps.installers, 'GefyraBridgeMount', undefined);
    let mount = await this.#deps.mounts.find(ref, signal);
    for (let steps = 0; mount !== undefined && steps < MAX_STEPS; steps++) {
      const current = mount;
      const seen = await this.#observe(current, carrier, signal);
      const step = carrier ? decideMount(seen.observation) : withoutCarrier(decideMount(seen.observation), current);
      try {
        const outcome = await this.#apply(current, step, seen, carrier, signal);
        if ('result' in outcome) return outcome.result;
        mount = outcome.mount;
      } catch (error) {
        await this.#explainRetry(current, step, error, signal);
        throw error;
      }
    }
    if (mount === undefined) return { done: true };
    throw new DomainError('Internal', `GefyraBridgeMount ${ref.name} did not settle after ${MAX_STEPS} steps`, {
      retryable: true,
    });
  }

  async #observe(mount: StoredMount, carrier: CarrierInstaller | undefined, signal: AbortSignal): Promise<Seen> {
    const now = this.#deps.clock.now();
    const place = placeOf(mount);
    const nothing = { mount, workloadPresent: false, shadow: undefined, originals: [], uninstalled: true, now };
    if (place === undefined) return { observation: nothing, views: [] };
    const { workload: workloads } = this.#deps.carriers;
    const workload = await workloads.find(place, signal);
    const views =
      workload && carrier ? await this.#deps.carriers.originals(mount, place, workload, carrier, signal) : [];
    const shadow = workload && (await workloads.shadowState(place, workload, signal));
    const leftOnCarrier = carrier ? await this.#podsOnCarrier(mount, place, carrier, signal) : [];
    const uninstalled =
      !(await workloads.shadowLeft(place, signal)) && leftOnCarrier.length === 0 && !views.some((view) => view.mine);
    const owner = carrierOwnerOf(mount);
    const observation: MountObservation = {
      mount,
      workloadPresent: workload !== undefined,
      shadow,
      originals: views.map((view) => {
        const problems = carrier?.validate({ pod: view.pod, container: place.container, owner, handleProbes: true });
        const taken =
          view.observation.state !== 'absent' && !view.mine
            ? `pod ${view.pod.name} carries a carrier for ${view.observation.owner.request}`
            : undefined;
        return {
          name: view.pod.name,
          onCarrier2: view.mine,
          configCurrent: view.current,
          ready: view.pod.ready,
          installRefusal:
            taken ?? (problems && problems.length > 0 ? problems.map((p) => p.message).join('; ') : undefined),
        };
      }),
      uninstalled,
      now,
    };
    return { observation, views, place };
  }

  /** Pods of the target namespace that still carry this mount's carrier, whether or not the workload still selects them. */
  async #podsOnCarrier(
    mount: StoredMount,
    place: MountPlace,
    carrier: CarrierInstaller,
    signal: AbortSignal,
  ): Promise<string[]> {
    const pods = await this.#deps.carriers.workload.podsLabelled(place.namespace, carrier.podLabels, signal);
    return pods.filter((pod) => carrier.ownersOf(pod).some((owner) => owner.uid === mount.uid)).map((pod) => pod.name);
  }

  async #apply(
    mount: StoredMount,
    step: MountStep,
    seen: Seen,
    carrier: CarrierInstaller | undefined,
    signal: AbortSignal,
  ): Promise<{ mount: StoredMount | undefined } | { result: ReconcileResult }> {
    const { mounts } = this.#deps;
    switch (step.kind) {
      case 'finalize':
        await this.#uninstall(mount, seen, carrier, signal);
        await this.#removeBridges(mount, signal);
        await mounts.removeFinalizer(mount, signal);
        return { result: { done: true } };
      case 'addFinalizer':
        return { mount: await mounts.addFinalizer(mount, signal) };
      case 'fail':
        return { mount: await this.#fail(mount, step.reason, step.message, signal) };
      case 'transition':
        return { mount: await this.#transition(mount, step.to, step.note, step.fields ?? {}, signal) };
      case 'prepareShadow':
        return this.#prepare(mount, seen, signal);
      case 'installCarrier':
        return { mount: await this.#install(mount, step.pods, seen, carrier!, signal) };
      case 'pushConfig':
        return this.#push(mount, step.pods, seen, carrier!, signal);
      case 'uninstall':
        await this.#uninstall(mount, seen, carrier, signal);
        return { mount: await mounts.find(mount, signal) };
      case 'delete':
        await mounts.remove(mount, signal);
        return { mount: await mounts.find(mount, signal) };
      case 'wait':
        return { result: this.#waitResult(mount, seen, step.recheckAt) };
    }
  }

  /** Waits on a timer of the lifecycle, on readiness (a short look again), or on the contract's 60 s check. */
  #waitResult(mount: StoredMount, seen: Seen, recheckAt: Date | undefined): ReconcileResult {
    const now = this.#deps.clock.now().getTime();
    if (recheckAt !== undefined) return { done: false, requeueAfterMs: Math.max(0, recheckAt.getTime() - now) };
    if (mount.state === 'PREPARING' || mount.state === 'INSTALLING') {
      return { done: false, requeueAfterMs: this.#settings.progressRecheckMs };
    }
    if (mount.state === 'ACTIVE') {
      const waitingForPods = seen.observation.originals.some((pod) => !pod.ready || !pod.configCurrent);
      return {
        done: false,
        requeueAfterMs: waitingForPods ? this.#settings.progressRecheckMs : this.#settings.checkIntervalMs,
      };
    }
    return { done: true };
  }

  async #prepare(
    mount: StoredMount,
    seen: Seen,
    signal: AbortSignal,
  ): Promise<{ mount: StoredMount | undefined } | { result: ReconcileResult }> {
    const place = seen.place!;
    const workloads = this.#deps.carriers.workload;
    const workload = await workloads.find(place, signal);
    if (workload === undefined) return { mount: await this.#deps.mounts.find(mount, signal) };
    if (workloads.containerPorts(place, workload) === undefined) {
      const message =
        `${place.target.kind} ${place.namespace}/${place.target.name} has no container ${place.container}; ` +
        'set targetContainer to one of its containers';
      return { mount: await this.#fail(mount, 'ContainerNotFound', message, signal) };
    }
    if (seen.observation.shadow !== undefined) {
      const note = `${place.target.kind} ${place.target.name} changed since its shadow was made: updating the shadow`;
      await this.#event(mount, 'Normal', MOUNT_REASONS.changeDetected, note, signal);
    }
    await workloads.prepare(place, workload, { [BRIDGE_MOUNT_LABEL]: mount.name }, signal);
    const service = workloads.shadowServiceOf(place);
    await this.#event(
      mount,
      'Normal',
      MOUNT_REASONS.clusterUpstream,
      `shadow of ${place.target.kind} ${place.target.name} prepared behind Service ${service.name}: it answers every request no bridge takes`,
      signal,
    );
    return { mount: await this.#deps.mounts.find(mount, signal) };
  }

  async #install(
    mount: StoredMount,
    pods: readonly string[],
    seen: Seen,
    carrier: CarrierInstaller,
    signal: AbortSignal,
  ): Promise<StoredMount | undefined> {
    const place = seen.place!;
    const owner = carrierOwnerOf(mount);
    for (const view of seen.views.filter((candidate) => pods.includes(candidate.pod.name))) {
      const target = { pod: view.pod, container: place.container, owner, handleProbes: true };
      const problems = carrier.validate(target);
      if (problems.length > 0) {
        const message = problems.map((problem) => problem.message).join('; ');
        return this.#fail(mount, problems[0]!.reason, message, signal);
      }
      await carrier.install(target, signal);
      await this.#event(
        mount,
        'Normal',
        MOUNT_REASONS.patchingPod,
        `pod ${view.pod.name}: container ${place.container} switched to ${carrier.displayName}, its original recorded`,
        signal,
      );
    }
    return this.#deps.mounts.find(mount, signal);
  }

  async #push(
    mount: StoredMount,
    pods: readonly string[],
    seen: Seen,
    carrier: CarrierInstaller,
    signal: AbortSignal,
  ): Promise<{ mount: StoredMount | undefined } | { result: ReconcileResult }> {
    const views = seen.views.filter((view) => pods.includes(view.pod.name));
    const failing = views.find((view) => view.mine && view.observation.state === 'failing');
    if (failing && failing.observation.state === 'failing') {
      const message = `${carrier.displayName} in pod ${failing.pod.name} does not run: ${failing.observation.reason}`;
      return { mount: await this.#fail(mount, 'CarrierNotRunning', message, signal) };
    }
    let outcome: Awaited<ReturnType<MountCarriers['push']>>;
    try {
      outcome = await this.#deps.carriers.push(seen.place!, views, carrier, signal);
    } catch (error) {
      const failure = toDomainError(error);
      if (failure.retryable || failure.kind === 'Aborted' || failure.kind === 'Conflict') throw error;
      return { mount: await this.#fail(mount, 'ConfigurationRefused', failure.message, signal) };
    }
    if (outcome.pushed.length > 0) {
      const bridges = seen.views[0]?.configuration.routes.filter((route) => route.selective !== undefined) ?? [];
      const names = [...new Set(bridges.map((route) => route.selective!.name))];
      await this.#event(
        mount,
        'Normal',
        MOUNT_REASONS.updateCarrier2,
        `configuration pushed to ${outcome.pushed.join(', ')}: bridges ${names.join(', ') || 'none'}, everything else to the shadow`,
        signal,
      );
    }
    if (outcome.notRunning.length > 0 && outcome.pushed.length === 0) {
      const now = this.#deps.clock.now();
      const startedAt = enteredAt(mount.stateTransitions, 'INSTALLING', now);
      if (mount.state === 'INSTALLING' && now.getTime() - startedAt > carrier.startupTimeoutMs) {
        const message =
          `${carrier.displayName} did not start in ${outcome.notRunning.join(', ')} ` +
          `within ${Math.round(carrier.startupTimeoutMs / 1000)} s`;
        return { mount: await this.#fail(mount, 'CarrierNotRunning', message, signal) };
      }
      return { result: { done: false, requeueAfterMs: this.#settings.progressRecheckMs } };
    }
    return { mount: await this.#deps.mounts.find(mount, signal) };
  }

  /** Restores every original the mount's carrier is in (those the workload no longer selects too), then removes the shadow. */
  async #uninstall(
    mount: StoredMount,
    seen: Seen,
    carrier: CarrierInstaller | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const place = seen.place;
    if (place === undefined) return;
    if (carrier !== undefined) {
      const names = new Set([
        ...seen.views.filter((view) => view.mine).map((view) => view.pod.name),
        ...(await this.#podsOnCarrier(mount, place, carrier, signal)),
      ]);
      for (const name of names) {
        await carrier.restore(
          { namespace: place.namespace, name, container: place.container },
          carrierOwnerOf(mount),
          signal,
        );
      }
    }
    await this.#deps.carriers.workload.removeShadow(place, signal);
  }

  /** Deletes the mount's bridges; each one's finalizer removes its route. */
  async #removeBridges(mount: StoredMount, signal: AbortSignal): Promise<void> {
    const { bridges } = this.#deps;
    for (const bridge of await bridges.list(mount.namespace, { [BRIDGE_MOUNT_LABEL]: mount.name }, signal)) {
      if (!bridge.deleting) await bridges.remove(bridge, signal);
    }
  }

  async #fail(mount: StoredMount, reason: string, message: string, signal: AbortSignal): Promise<StoredMount> {
    await this.#event(mount, 'Warning', MOUNT_REASONS.failed, `${reason}: ${message}`, signal);
    return this.#transition(mount, 'ERROR', message, { status: { failure: { reason, message } } }, signal);
  }

  async #transition(
    mount: StoredMount,
    to: MountState,
    note: string,
    fields: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<StoredMount> {
    const from = mount.state;
    if (from === to) return this.#deps.mounts.update(mount, fields, signal);
    const written = await this.#deps.mounts.update(
      mount,
      { ...fields, state: to, stateTransitions: { [to]: microsecondTimestamp(this.#deps.clock.now()) } },
      signal,
    );
    await this.#event(
      mount,
      to === 'ERROR' ? 'Warning' : 'Normal',
      MOUNT_REASONS.stateChange,
      `${from} → ${to}: ${note}`,
      signal,
    );
    const told = toldOnTransition(from, to);
    if (told !== undefined) await this.#event(mount, told.type, told.reason, note, signal);
    return written;
  }

  /** A step that failed and will be retried is told, so that no mount sits in a state without a word on why. */
  async #explainRetry(mount: StoredMount, step: MountStep, error: unknown, signal: AbortSignal): Promise<void> {
    const failure = toDomainError(error);
    if (failure.kind === 'Conflict' || failure.kind === 'Aborted') return;
    this.#deps.logger.warn(
      { mount: mount.name, step: step.kind, kind: failure.kind, error: failure.message },
      'GefyraBridgeMount step failed; retrying',
    );
    await this.#event(
      mount,
      'Warning',
      MOUNT_REASONS.stateChange,
      `${mount.state}: ${step.kind} failed (${failure.kind}): ${failure.message}; retrying`,
      signal,
    );
  }

  async #event(
    mount: Gefyra2ObjectRef,
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#deps.events.record(mountEvent(mount, type, reason, note), signal);
  }
}

interface Seen {
  readonly observation: MountObservation;
  readonly views: readonly OriginalView[];
  readonly place?: MountPlace;
}

/** The Events of the original operator that go with a transition besides the state change itself. */
function toldOnTransition(
  from: string,
  to: MountState,
): { readonly type: 'Normal' | 'Warning'; readonly reason: string } | undefined {
  if (to === 'ACTIVE') return { type: 'Normal', reason: MOUNT_REASONS.ready };
  if (to === 'MISSING') return { type: 'Warning', reason: MOUNT_REASONS.targetMissing };
  if (from === 'MISSING' && to === 'PREPARING') return { type: 'Normal', reason: MOUNT_REASONS.targetRecovered };
  if (from === 'ACTIVE' && to === 'RESTORING') return { type: 'Warning', reason: MOUNT_REASONS.notIntact };
  return undefined;
}

/**
 * Without a carrier that serves GefyraBridgeMounts nothing can be installed:
 * the mount waits in ERROR with the reason, until the operator is started
 * with one (GEFYRA_PLUGINS). Finalizing, failing and waiting need none.
 */
function withoutCarrier(step: MountStep, mount: StoredMount): MountStep {
  if (['finalize', 'addFinalizer', 'fail', 'wait', 'uninstall', 'delete'].includes(step.kind)) return step;
  if (mount.state === 'ERROR' && mount.failure?.reason === NO_CARRIER) return { kind: 'wait' };
  return { kind: 'fail', reason: NO_CARRIER, message: noCarrierMessage([], 'GefyraBridgeMount', undefined) };
}

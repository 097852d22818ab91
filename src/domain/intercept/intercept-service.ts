import type { AccessReviewer } from '../../ports/access-reviewer.port.js';
import type { CarrierInstaller, CarrierObservation, CarrierOwner } from '../../ports/carrier-installer.port.js';
import type { PodApi } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventRecorder } from '../../ports/event-recorder.port.js';
import type { InterceptRequestStore } from '../../ports/intercept-request-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { RequesterStamps } from '../../ports/requester-stamps.port.js';
import type { TunnelRouter } from '../../ports/tunnel-provider.port.js';
import type { ContainerRef, Pod } from '../cluster/pod.js';
import { DomainError, toDomainError } from '../errors.js';
import { type InterceptRequest, type InterceptRequestRef, requestKey } from '../intercept-request/intercept-request.js';
import type { InterceptPhase } from '../intercept-request/intercept-status.js';
import type { ReconcileResult } from '../reconcile-result.js';
import type { RouteService } from '../routes/route-service.js';
import type { InterceptSettings } from '../settings.js';
import {
  type InterceptAction,
  type InterceptObservation,
  type InterceptStep,
  decideIntercept,
  recordedFailure,
  undeclaredPorts,
} from './intercept-machine.js';
import { type InterceptProgress, progressOf } from './intercept-progress.js';
import { specFingerprint } from './spec-fingerprint.js';
import { buildStatus, type InterceptReport, sameStatus } from './intercept-report.js';
import { interceptEvent } from './intercept-events.js';
import { admissionDenial, type InterceptPolicy } from './intercept-policy.js';
import { chooseCarrier, noCarrierMessage } from './carrier-choice.js';
import type { InterceptSpec } from '../intercept-request/intercept-request-schema.js';

/** Far more steps than any lifecycle has; reaching it means the decision loops. */
const MAX_STEPS_PER_RECONCILE = 32;

/**
 * A carrier usually runs moments after its installation, and the pod's watch
 * event brings the next pass: the "starting" status is written only if it
 * still starts after this long (one status write less per intercept).
 */
const STARTING_STATUS_GRACE_MS = 2000;

export interface InterceptServiceDependencies {
  readonly requests: InterceptRequestStore;
  readonly pods: PodApi;
  /** Every loaded carrier; each request is served by one of them (see carrier-choice.ts). */
  readonly carriers: readonly CarrierInstaller[];
  readonly tunnel: TunnelRouter;
  readonly routes: RouteService;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly settings: InterceptSettings;
  readonly policy: InterceptPolicy;
  readonly reviewer: AccessReviewer;
  /** Verifies the admission webhook's requester stamps; absent where no webhook stamps them. */
  readonly stamps?: RequesterStamps | undefined;
}

type Applied =
  { readonly observation: InterceptObservation } | { readonly stop: Exclude<InterceptStep, { kind: 'act' }> };

/**
 * Carries out one InterceptRequest: observes the cluster, asks the intercept
 * machine for the next step, applies it through the ports, and repeats until
 * the request is established, failed, released, or has to wait. Ends by
 * writing the status (only when it changed) and an Event on every phase change.
 */
export class InterceptService {
  readonly #deps: InterceptServiceDependencies;
  /**
   * The bookkeeping of each request's last pass in this process, by uid. The
   * status holds the same once written; this spares a status write between
   * two quick passes. After a restart it is empty and the status (or, failing
   * that, repeating an idempotent step) takes its place: never the only record.
   */
  readonly #lastProgress = new Map<string, InterceptProgress>();

  constructor(dependencies: InterceptServiceDependencies) {
    this.#deps = dependencies;
  }

  async reconcile(ref: InterceptRequestRef, signal: AbortSignal): Promise<ReconcileResult> {
    const request = await this.#deps.requests.find(ref, signal);
    if (!request) return { done: true };
    const log = this.#deps.logger.child({ request: requestKey(ref) });
    return await this.#carryOut(await this.#observe(request, signal), request, log, signal);
  }

  /**
   * Steps from an observation until the request settles. A failure that
   * stops it is recorded, and rolled back from the observation that holds
   * the record: a read could still miss it (a lagging cache) and record it
   * again, and again. From there a failure is recorded, so this recurses once at most.
   */
  async #carryOut(
    start: InterceptObservation,
    request: InterceptRequest,
    log: Logger,
    signal: AbortSignal,
  ): Promise<ReconcileResult> {
    let observation = start;
    let applying: InterceptAction['type'] | undefined;
    try {
      for (let step = 0; step < MAX_STEPS_PER_RECONCILE; step++) {
        const next = decideIntercept(observation);
        const quietFor = carrierQuietPeriod(next, observation);
        if (quietFor !== undefined) {
          this.#lastProgress.set(request.uid, observation.progress);
          return { done: false, requeueAfterMs: this.#recheckWithin(quietFor) };
        }
        if (next.kind !== 'act') return await this.#conclude(next, observation, request, signal);
        log.info({ phase: next.phase, action: next.action.type }, 'intercept step');
        applying = next.action.type;
        const applied = await this.#apply(next.action, observation, signal);
        if ('stop' in applied) return await this.#conclude(applied.stop, observation, request, signal);
        observation = applied.observation;
      }
    } catch (thrown) {
      const error = toDomainError(thrown);
      const alreadyFailed = recordedFailure(observation) !== undefined;
      const stranded = alreadyFailed ? undefined : strandedCarrier(observation, error);
      if (!stranded && (error.retryable || observation.request.deleting || error.kind === 'Aborted' || alreadyFailed)) {
        await this.#reportTrouble(observation, error, applying, signal);
        throw error;
      }
      log.warn({ kind: error.kind, error: error.message }, 'intercept cannot proceed; rolling back');
      const failed = await this.#apply(
        { type: 'recordFailure', ...(stranded ?? { reason: failureReason(error), message: error.message }) },
        observation,
        signal,
      );
      if ('observation' in failed) return await this.#carryOut(failed.observation, request, log, signal);
      return { done: true };
    }
    throw new DomainError(
      'Internal',
      `intercept ${requestKey(request)} did not settle within ${MAX_STEPS_PER_RECONCILE} steps`,
    );
  }

  async #observe(request: InterceptRequest, signal: AbortSignal): Promise<InterceptObservation> {
    const { pods, routes, tunnel, clock, settings } = this.#deps;
    const spec = request.spec.valid ? request.spec.spec : undefined;
    // A request being deleted is only undone, whatever the policy says now. The verdict comes before the
    // target is read, and a denial is the failure whatever the pod is (findFailure): the pod is read only
    // to restore a carrier the request may have installed while it was still allowed.
    const { policy, reviewer, stamps } = this.#deps;
    const denial =
      spec && !request.deleting ? await admissionDenial(request, spec, policy, reviewer, stamps, signal) : undefined;
    const [pod, ownRoutes, tunnelRevision, proxies] = await Promise.all([
      spec ? pods.findPod({ namespace: spec.targetNamespace, name: spec.targetPod }, signal) : undefined,
      routes.routesOf(request.name, signal),
      tunnel.currentRevision(signal),
      tunnel.proxyPortOwners(signal),
    ]);
    const progress = this.#progressOf(request);
    const carrier = this.#carrierIn(request, spec, pod);
    return {
      request,
      pod,
      ...carrier,
      routes: ownRoutes,
      tunnelRevision,
      // A proxy of ours that is gone (deleted by hand) while we hold its route: load the routes again.
      // (A rollback releases its routes first, and then still unloads what it had loaded.)
      progress:
        request.deleting ||
        ownRoutes.length === 0 ||
        progress.loadedRoutes.every((route) => proxies.get(route.proxyPort) === request.name)
          ? progress
          : { ...progress, loadedRoutes: [] },
      now: clock.now(),
      retryAfterMs: settings.routeLoadRetryMs,
      denial,
    };
  }

  /**
   * The carrier in the target container, whichever loaded carrier put it
   * there (this request's own first), else the one chosen for the request.
   */
  #carrierIn(
    request: InterceptRequest,
    spec: InterceptSpec | undefined,
    pod: Pod | undefined,
  ): Pick<
    InterceptObservation,
    'carrier' | 'carrierName' | 'carrierDisplayName' | 'carrierStartupTimeoutMs' | 'carrierProblems'
  > {
    const { carriers } = this.#deps;
    let holder = chooseCarrier(carriers, 'InterceptRequest', request.carrier);
    let carrier: CarrierObservation = { state: 'absent' };
    if (pod && spec) {
      const present = carriers
        .filter((candidate) => candidate.serves.includes('InterceptRequest'))
        .map((candidate) => ({ candidate, seen: candidate.observe(pod, spec.targetContainer) }))
        .filter(({ seen }) => seen.state !== 'absent');
      const found = present.find(({ seen }) => seen.state !== 'absent' && seen.owner.uid === request.uid) ?? present[0];
      if (found) ({ candidate: holder, seen: carrier } = found);
    }
    if (!holder) {
      const problem = {
        reason: 'CarrierNotAvailable',
        message: noCarrierMessage(carriers, 'InterceptRequest', request.carrier),
      };
      return {
        carrier,
        carrierName: undefined,
        carrierDisplayName: 'the carrier',
        carrierStartupTimeoutMs: 0,
        carrierProblems: [problem],
      };
    }
    const carrierProblems =
      pod && spec
        ? holder.validate({
            pod,
            container: spec.targetContainer,
            owner: ownerOf(request),
            handleProbes: spec.handleProbes,
          })
        : [];
    return {
      carrier,
      carrierName: holder.name,
      carrierDisplayName: holder.displayName,
      carrierStartupTimeoutMs: holder.startupTimeoutMs,
      carrierProblems,
    };
  }

  /** The loaded carrier an observation names; a step that needs one only follows an observation that found one. */
  #carrierNamed(name: string | undefined): CarrierInstaller {
    const carrier = this.#deps.carriers.find((candidate) => candidate.name === name);
    if (!carrier)
      throw new DomainError('Internal', `a carrier step ran without a carrier serving the request (${name ?? 'none'})`);
    return carrier;
  }

  #progressOf(request: InterceptRequest): InterceptProgress {
    const stored = progressOf(request, this.#deps.settings.finalizer);
    const remembered = this.#lastProgress.get(request.uid);
    if (!remembered) return stored;
    return { ...remembered, finalizerPresent: stored.finalizerPresent, syncPrepared: false, syncRemoved: false };
  }

  async #apply(action: InterceptAction, observation: InterceptObservation, signal: AbortSignal): Promise<Applied> {
    const { requests, tunnel, routes, settings } = this.#deps;
    const { request, progress } = observation;
    const with_ = (changes: Partial<InterceptObservation>): Applied => ({
      observation: { ...observation, ...changes },
    });
    switch (action.type) {
      case 'addFinalizer':
      case 'removeFinalizer': {
        const present = action.type === 'addFinalizer';
        const updated = await requests.setFinalizer(request, present, signal);
        return with_({ request: updated, progress: { ...progress, finalizerPresent: present } });
      }
      case 'recordFailure': {
        const report = {
          phase: 'Failed' as const,
          reason: action.reason,
          message: action.message,
          warnings: [],
          originalImage: undefined,
          failedSpec: specFingerprint(request),
        };
        const status = buildStatus(request.status, report, progress, request.generation, this.#deps.clock.now());
        await requests.writeStatus(request, status, signal);
        await this.#deps.events.record(interceptEvent(request, 'Warning', action.reason, action.message), signal);
        return with_({ request: { ...request, status } });
      }
      case 'reserveRoutes':
        return with_({ routes: await routes.reserve(request.name, action.wanted, signal) });
      case 'releaseRoutes':
        await routes.release(request.name, signal);
        return with_({ routes: [] });
      case 'loadTunnelRoutes':
      case 'unloadTunnelRoutes': {
        const present = action.type === 'loadTunnelRoutes' ? action.present : [];
        if (action.type === 'unloadTunnelRoutes' && observation.tunnelRevision === undefined) {
          return with_({ progress: { ...progress, loadedRoutes: [], tunnelRevision: undefined } });
        }
        const load = await tunnel.loadRoutes({ present, absent: action.absent }, signal);
        if (load.state === 'pending') {
          return {
            stop: {
              kind: 'wait',
              phase: request.deleting ? 'Restoring' : 'Routing',
              reason: 'RoutesPending',
              message: load.reason,
              requeueAfterMs: settings.routeLoadRetryMs,
            },
          };
        }
        const tunnelRevision = present.length > 0 ? load.revision : undefined;
        return with_({ progress: { ...progress, loadedRoutes: present, tunnelRevision } });
      }
      case 'prepareSync':
        await tunnel.prepareSync(this.#target(request), signal);
        return with_({ progress: { ...progress, syncPrepared: true } });
      case 'removeSync':
        if (observation.tunnelRevision !== undefined) await tunnel.removeSync(this.#target(request), signal);
        return with_({ progress: { ...progress, syncRemoved: true } });
      case 'installCarrier': {
        const carrier = this.#carrierNamed(observation.carrierName);
        const { container } = this.#target(request);
        const target = {
          pod: observation.pod!,
          container,
          owner: ownerOf(request),
          handleProbes: request.spec.valid && request.spec.spec.handleProbes,
        };
        const pod = await carrier.install(target, signal);
        return with_({ pod, carrier: carrier.observe(pod, container) });
      }
      case 'configureCarrier': {
        const { setup } = action;
        await this.#carrierNamed(observation.carrierName).configure(
          this.#target(request),
          {
            routes: setup.routes.map((route) => {
              const endpoint = tunnel.proxyEndpoint(route.proxyPort);
              return { containerPort: route.containerPort, proxyHost: endpoint.host, proxyPort: endpoint.port };
            }),
            probePorts: setup.probePorts,
            syncDirectories: setup.syncDirectories,
          },
          signal,
        );
        return with_({ progress: { ...progress, carrierFingerprint: setup.fingerprint } });
      }
      case 'restoreCarrier':
        await this.#carrierNamed(observation.carrierName).restore(this.#target(request), ownerOf(request), signal);
        return with_({ carrier: { state: 'absent' }, progress: { ...progress, carrierFingerprint: undefined } });
      case 'setEstablished': {
        // Writing `established` bumps the generation: the status then observes the new one.
        const updated = await requests.setEstablished(request, action.value, signal);
        return with_({
          request: {
            ...request,
            established: action.value,
            generation: updated.generation,
            resourceVersion: updated.resourceVersion,
          },
        });
      }
    }
  }

  async #conclude(
    step: Exclude<InterceptStep, { kind: 'act' }>,
    observation: InterceptObservation,
    original: InterceptRequest,
    signal: AbortSignal,
  ): Promise<ReconcileResult> {
    const { request } = observation;
    if (step.kind === 'released') {
      this.#lastProgress.delete(request.uid);
      if (original.status.phase !== undefined || original.established) {
        await this.#deps.events.record(
          interceptEvent(
            request,
            'Normal',
            'Restored',
            'intercept ended; the target container runs its original image again',
          ),
          signal,
        );
      }
      return { done: true };
    }
    this.#lastProgress.set(request.uid, observation.progress);
    const report = this.#report(step, observation);
    const status = buildStatus(
      request.status,
      report,
      observation.progress,
      request.generation,
      this.#deps.clock.now(),
    );
    if (!sameStatus(status, request.status)) {
      await this.#deps.requests.writeStatus(request, status, signal);
      if (step.kind === 'established' && request.status.phase !== 'Established') {
        await this.#deps.events.record(interceptEvent(request, 'Normal', 'Established', report.message), signal);
      }
      for (const warning of report.warnings.filter((known) => !(request.status.warnings ?? []).includes(known))) {
        await this.#deps.events.record(interceptEvent(request, 'Warning', 'PortNotDeclared', warning), signal);
      }
    }
    if (step.kind !== 'wait') return { done: true };
    const requeueAfterMs =
      step.requeueAfterMs === undefined ? this.#deps.settings.waitRecheckMs : this.#recheckWithin(step.requeueAfterMs);
    return requeueAfterMs === undefined ? { done: true } : { done: false, requeueAfterMs };
  }

  /** A requeue no later than the unwatched recheck, when there is one. */
  #recheckWithin(delayMs: number): number {
    const { waitRecheckMs } = this.#deps.settings;
    return waitRecheckMs === undefined ? delayMs : Math.min(delayMs, waitRecheckMs);
  }

  #report(
    step: Exclude<InterceptStep, { kind: 'act' | 'released' }>,
    observation: InterceptObservation,
  ): InterceptReport {
    const { request, carrier, pod } = observation;
    const spec = request.spec.valid ? request.spec.spec : undefined;
    // A refused request learns nothing about its target beyond what it named.
    const warnings =
      spec && !observation.denial
        ? undeclaredPorts(spec, pod).map(
            (port) => `container ${spec.targetContainer} does not declare port ${port}; intercepting it anyway`,
          )
        : [];
    const originalImage = carrier.state === 'absent' || observation.denial ? undefined : carrier.replaced;
    switch (step.kind) {
      case 'established':
        return {
          phase: 'Established',
          reason: 'Established',
          message: describeEstablished(observation),
          warnings,
          originalImage,
        };
      case 'failed':
        return {
          phase: 'Failed',
          reason: step.reason,
          message: step.message,
          warnings,
          originalImage,
          failedSpec: request.status.failedSpec,
        };
      case 'wait':
        return { phase: step.phase, reason: step.reason, message: step.message, warnings, originalImage };
    }
  }

  /**
   * Says in the status which step keeps failing, how often, and why: one
   * write per failed pass, which the work queue's backoff keeps rare.
   */
  async #reportTrouble(
    observation: InterceptObservation,
    error: DomainError,
    step: InterceptAction['type'] | undefined,
    signal: AbortSignal,
  ): Promise<void> {
    const { request } = observation;
    if (error.kind === 'Aborted') return;
    const name = step ?? 'observe';
    const previous = request.status.failingStep;
    const attempts = previous?.step === name ? previous.attempts + 1 : 1;
    // A step that fails and is retried is no failure of the request: a `Failed` kept from an earlier
    // refusal (AlreadyIntercepted, now being judged again) would stand for good with this error's reason.
    const kept = request.status.phase === 'Failed' ? 'Pending' : request.status.phase;
    const phase: InterceptPhase = request.deleting ? 'Restoring' : (kept ?? 'Pending');
    const report = {
      phase,
      reason: failureReason(error),
      message: `step ${name} failed (attempt ${attempts}, retried with growing delays): ${error.message}`,
      warnings: request.status.warnings ?? [],
      originalImage: request.status.originalImage,
      failedSpec: request.status.failedSpec,
    };
    const built = buildStatus(
      request.status,
      report,
      progressOf(request, this.#deps.settings.finalizer),
      request.generation,
      this.#deps.clock.now(),
    );
    const status = { ...built, failingStep: { step: name, attempts } };
    try {
      await this.#deps.requests.writeStatus(request, status, signal);
      // One Event per kind of trouble, not one per retry.
      if (attempts === 1 || request.status.reason !== report.reason) {
        await this.#deps.events.record(interceptEvent(request, 'Warning', report.reason, error.message), signal);
      }
    } catch (reportError) {
      this.#deps.logger.warn(
        { request: requestKey(request), error: toDomainError(reportError).message },
        'could not report trouble',
      );
    }
  }

  #target(request: InterceptRequest): ContainerRef {
    if (!request.spec.valid)
      throw new DomainError('Internal', 'a step that needs the target ran for an invalid request');
    const { spec } = request.spec;
    return { namespace: spec.targetNamespace, name: spec.targetPod, container: spec.targetContainer };
  }
}

/**
 * While the carrier starts normally (no trouble reported) and only just began,
 * the status is left alone: the pod's next watch event brings the next pass.
 * Returns how long to wait before writing it after all, or undefined.
 */
function carrierQuietPeriod(step: InterceptStep, observation: InterceptObservation): number | undefined {
  if (step.kind !== 'wait' || step.reason !== 'CarrierStarting' || observation.carrier.state !== 'starting')
    return undefined;
  const startedFor = observation.now.getTime() - observation.carrier.installedAt.getTime();
  return startedFor < STARTING_STATUS_GRACE_MS ? STARTING_STATUS_GRACE_MS - startedFor : undefined;
}

/**
 * The carrier was installed, but the tunnel keeps failing to take the routes
 * (its exec broken, say): the target would keep a proxy with nowhere to send
 * traffic. After the carrier's start-up time the intercept fails and is undone.
 */
function strandedCarrier(
  observation: InterceptObservation,
  error: DomainError,
): { reason: string; message: string } | undefined {
  const { request, carrier, now, carrierStartupTimeoutMs } = observation;
  if (!error.retryable || error.kind === 'Aborted' || request.deleting || request.established) return undefined;
  if (carrier.state === 'absent' || carrier.owner.uid !== request.uid) return undefined;
  if (now.getTime() - carrier.installedAt.getTime() < carrierStartupTimeoutMs) return undefined;
  return {
    reason: 'TunnelUnavailable',
    message:
      `the tunnel did not take the intercept's routes within ${Math.round(carrierStartupTimeoutMs / 1000)}s ` +
      `of installing ${observation.carrierDisplayName}: ${error.message}`,
  };
}

const ownerOf = (request: InterceptRequest): CarrierOwner => ({ uid: request.uid, request: requestKey(request) });

function describeEstablished({ request, routes }: InterceptObservation): string {
  if (!request.spec.valid) return 'established';
  const { spec } = request.spec;
  const ports = [...routes]
    .sort((a, b) => a.containerPort - b.containerPort)
    .map(
      (route) => `${route.containerPort}->${route.destination.ip}:${route.destination.port} (proxy ${route.proxyPort})`,
    )
    .join(', ');
  return `traffic of ${spec.targetNamespace}/${spec.targetPod} container ${spec.targetContainer} goes to the local container: ${ports}`;
}

/** Why a request was refused as invalid, where the error says so in terms a tool can match. */
const REFUSAL_REASONS = ['NameTooLong', 'RequestTooLarge'] as const;

function failureReason(error: DomainError): string {
  switch (error.kind) {
    case 'Forbidden':
      return 'InsufficientPrivileges';
    case 'Exhausted':
      return 'ProxyPortsExhausted';
    case 'NotFound':
      return 'NotFound';
    case 'Invalid':
      return REFUSAL_REASONS.find((reason) => error.details['reason'] === reason) ?? 'Rejected';
    default:
      return error.kind;
  }
}

import type { OperatorConfig } from '../../config.js';
import type { BootService } from '../../domain/boot/boot-service.js';
import { OPERATOR_DEPLOYMENT } from '../../domain/boot/operator-events.js';
import { DomainError, toDomainError } from '../../domain/errors.js';
import type { HeartbeatService } from '../../domain/heartbeat/heartbeat-service.js';
import { requestKey } from '../../domain/intercept-request/intercept-request.js';
import type { InterceptService } from '../../domain/intercept/intercept-service.js';
import type { LeaderElection } from '../../domain/leadership/leader-election.js';
import type { ResetService } from '../../domain/reset/reset-service.js';
import type { StandbyService } from '../../domain/standby/standby-service.js';
import type { CarrierInstaller } from '../../ports/carrier-installer.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Manifest } from '../../ports/cluster-api.port.js';
import type { EventRecorder } from '../../ports/event-recorder.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { interceptEvent } from '../../domain/intercept/intercept-events.js';
import type { TunnelRouter } from '../../ports/tunnel-provider.port.js';
import type { ResetLedger } from '../../ports/reset-ledger.port.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';
import type { OperatorInstallation } from '../../ports/operator-installation.port.js';
import { toDomainPod } from '../kubernetes-shapes/pod-mapping.js';
import type { Controller } from './controller.js';
import type { InterceptTracker } from './intercept-tracker.js';
import type { OperatorMetrics } from './metrics.js';
import { operatorWatches } from './operator-watches.js';
import { Periodic } from './periodic.js';
import { hasLabels, type WatchEvent, type WatchSource, type WatchSpec, type WatchSubscription } from './watch-source.js';
import { WorkQueue } from './work-queue.js';

/** What the runtime needs to know of its credentials' access (composition/access-plan.ts decides it). */
export interface RuntimeAccess {
  canWatch(spec: WatchSpec): boolean;
  /** How soon an unwatched wait is looked at again. */
  readonly recheckMs: number;
  readonly leaderLock: 'Lease' | 'ConfigMap' | 'none';
}

/** Under the full deploy/ RBAC: everything watched, Lease election. */
export const FULL_RUNTIME_ACCESS: RuntimeAccess = { canWatch: () => true, recheckMs: 1000, leaderLock: 'Lease' };

/** Without a watch on Stowaway's objects, how often a booted operator looks whether Stowaway restarted. */
const UNWATCHED_TUNNEL_CHECK_MS = 10_000;

export interface OperatorRuntimeDependencies {
  readonly config: OperatorConfig;
  readonly boot: BootService;
  readonly intercepts: InterceptService;
  readonly heartbeat: HeartbeatService;
  readonly reset: ResetService;
  readonly standby: StandbyService;
  readonly leader: LeaderElection;
  readonly ledger: ResetLedger;
  readonly carrier: CarrierInstaller;
  readonly tunnel: TunnelRouter;
  readonly watches: WatchSource;
  readonly logger: Logger;
  readonly metrics: OperatorMetrics;
  readonly tracker: InterceptTracker;
  readonly clock: Clock;
  readonly events: EventRecorder;
  readonly access?: RuntimeAccess;
  /** To tell a removal (`gefyra down`) from a restart at shutdown; without it, shutdown never resets. */
  readonly installation?: OperatorInstallation;
  /** Controllers run beside the intercepts while leading (e.g. Gefyra 2's GefyraClients). */
  readonly controllers?: readonly Controller[];
}

const BOOT = 'boot';
/** The client deletes the operator's RBAC five seconds after its Deployment: the removal's reset must be done by then. */
const REMOVAL_RESET_TIMEOUT_MS = 4500;
/** The resync of every request when pods cannot be watched. */
const UNWATCHED_RESYNC_MS = 60_000;
const RESET = 'reset';
const REQUEST_PREFIX = 'ireq/';
const CONTROLLER_PREFIX = 'ctl/';

/**
 * The controller loop of the operator: leader election, then the init phase
 * reconciled until ready, then standby (InterceptRequests reconciled from
 * watches, resynced periodically) with the heartbeat beside it. Everything is
 * driven by watch events and scheduled requeues; nothing polls the world.
 * Stopping (SIGTERM, a rolling update) hands work back and releases the lease:
 * it never resets the cluster.
 */
export class OperatorRuntime {
  readonly #deps: OperatorRuntimeDependencies;
  readonly #log: Logger;
  readonly #access: RuntimeAccess;
  #queue: WorkQueue | undefined;
  #subscriptions: WatchSubscription[] = [];
  #leaseSubscription: WatchSubscription | undefined;
  #timers: Periodic[] = [];
  #leadership: Periodic | undefined;
  #leading = false;
  #following = false;
  #booted = false;
  #standingBy = false;
  #resetting = false;
  #resetDone = false;
  #stopped = false;
  #lastFollowedHolder: string | undefined;
  #lastTunnelRevision: string | undefined;
  /**
   * When this replica's lease runs out by its own clock. A process paused
   * past it (a stopped container, a long GC) may have been replaced: it
   * starts no more work until it has renewed, instead of writing until its
   * next election tick notices.
   */
  #leaseValidUntil: number | undefined;

  constructor(dependencies: OperatorRuntimeDependencies) {
    this.#deps = dependencies;
    this.#log = dependencies.logger.child({ component: 'runtime' });
    this.#access = dependencies.access ?? FULL_RUNTIME_ACCESS;
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Ready once the init phase succeeded on the leader; a follower of a live leader is a healthy standby. */
  ready(): boolean {
    return (this.#leading && this.#booted && !this.#resetting) || (!this.#leading && this.#following);
  }

  live(): boolean {
    return !this.#stopped;
  }

  queueDepth(): number {
    return this.#queue?.depth ?? 0;
  }

  /** Resolves once no reconcile is queued or running (tests and benchmarks wait on it). */
  async idle(): Promise<void> {
    await this.#queue?.onIdle();
  }

  async start(): Promise<void> {
    if (!this.#electing) {
      if (this.#deps.config.leaderElection) {
        this.#log.warn({}, 'no leader election: these credentials may neither write Leases nor ConfigMaps; run one replica only');
      }
      await this.#startLeading();
      return;
    }
    const renewEveryMs = Math.max(1000, (this.#deps.config.leaseDurationSeconds * 1000) / 3);
    this.#leadership = new Periodic(renewEveryMs, () => this.#electionTick(), true);
    const lock: WatchSpec =
      this.#access.leaderLock === 'ConfigMap'
        ? { apiVersion: 'v1', kind: 'ConfigMap', namespace: this.#deps.config.namespace }
        : { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: this.#deps.config.namespace };
    // Unwatchable, the lock is only looked at on the election's ticks.
    if (!this.#access.canWatch(lock)) return;
    this.#leaseSubscription = this.#deps.watches.watch(
      lock,
      () => {
        // A released or expiring lease is worth trying at once, not at the next tick.
        if (!this.#leading) this.#leadership?.triggerNow();
      },
      (error) => this.#log.warn({ error: toDomainError(error).message }, 'lease watch error'),
    );
  }

  get #electing(): boolean {
    return this.#deps.config.leaderElection && this.#access.leaderLock !== 'none';
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#leadership?.stop();
    const serving = this.#leading && this.#booted && !this.#resetDone;
    await this.#stopLeading();
    await this.#leaseSubscription?.stop();
    if (serving) await this.#resetIfRemoved();
    if (this.#electing) {
      try {
        await this.#deps.leader.release(AbortSignal.timeout(5000));
      } catch (error) {
        this.#log.warn({ error: toDomainError(error).message }, 'could not release the lease; a successor waits for it to expire');
      }
    }
    this.#log.info({}, this.#resetDone ? 'stopped after removing what it had set up' : 'stopped; nothing was reset');
  }

  /**
   * A restart or a rolling update keeps everything; a removal (the operator's
   * own Deployment gone or being deleted, as `gefyra down` does just before
   * this SIGTERM) ends every intercept and removes what the operator set up,
   * within the few seconds the client waits before it deletes the RBAC.
   */
  async #resetIfRemoved(): Promise<void> {
    const { installation, reset } = this.#deps;
    if (!installation) return;
    const signal = AbortSignal.timeout(REMOVAL_RESET_TIMEOUT_MS);
    try {
      if (!(await installation.beingRemoved(signal))) return;
      this.#log.warn({}, 'the operator is being removed: ending every intercept and removing what it set up');
      await reset.reset('the operator is being removed', { removeOperator: false, unregister: true, durable: false }, signal);
      this.#resetDone = true;
    } catch (error) {
      this.#log.warn({ error: toDomainError(error).message }, 'could not finish removing what the operator set up');
    }
  }

  async #electionTick(): Promise<void> {
    if (this.#stopped) return;
    try {
      const state = await this.#deps.leader.tryLead(AbortSignal.timeout(10_000));
      if (state.leading) this.#renewedLease();
      if (state.leading && !this.#leading) await this.#startLeading();
      if (!state.leading) {
        this.#following = state.holder !== undefined;
        if (state.holder !== this.#lastFollowedHolder) {
          this.#log.info({ holder: state.holder ?? '(being acquired)' }, 'another operator leads; standing by');
          this.#lastFollowedHolder = state.holder;
        }
        if (this.#leading) await this.#stopLeading();
      }
    } catch (error) {
      this.#log.warn({ error: toDomainError(error).message }, 'leader election failed');
      if (this.#leading) await this.#stopLeading();
    }
  }

  #renewedLease(): void {
    this.#leaseValidUntil = this.#deps.clock.now().getTime() + this.#deps.config.leaseDurationSeconds * 1000;
  }

  /** True when the lease may have run out while the process was not looking. */
  #leaseLapsed(): boolean {
    return this.#deps.config.leaderElection && this.#leaseValidUntil !== undefined && this.#deps.clock.now().getTime() >= this.#leaseValidUntil;
  }

  async #startLeading(): Promise<void> {
    const { config } = this.#deps;
    if (config.leaderElection && this.#leaseValidUntil === undefined) this.#renewedLease();
    this.#leading = true;
    this.#following = false;
    this.#log.info({ identity: config.identity, namespace: config.namespace }, 'leading');
    this.#queue = new WorkQueue((key, signal) => this.#process(key, signal), { concurrency: config.maxConcurrentReconciles }, (key, error, attempt) => {
      const domainError = toDomainError(error);
      this.#deps.metrics.errors.inc({ controller: controllerOf(key), kind: domainError.kind });
      this.#log.warn({ key, attempt, kind: domainError.kind, error: domainError.message }, 'reconcile failed');
    });
    const onStowaway = () => {
      this.#queue?.add(BOOT);
      if (this.#standingBy) void this.#requeueAllIfTunnelRestarted();
    };
    const onError = (error: unknown) => this.#log.warn({ error: toDomainError(error).message }, 'watch error');
    const { deployments, stowawayPods } = operatorWatches(config.namespace);
    if (this.#access.canWatch(deployments) && this.#access.canWatch(stowawayPods)) {
      this.#subscriptions.push(
        this.#deps.watches.watch(
          deployments,
          (event) => {
            // Only what the operator installed: its own Deployment going is a removal (`gefyra down`), not drift.
            const installed = event.object.metadata.name !== OPERATOR_DEPLOYMENT && hasLabels(MANAGED_BY_LABELS, event.object.metadata.labels);
            if (installed && (event.type === 'DELETED' || specChanged(event.object))) this.#installationDrifted(event);
            onStowaway();
          },
          onError,
        ),
        this.#deps.watches.watch(stowawayPods, onStowaway, onError),
      );
    } else {
      // Nothing tells of Stowaway's changes: the boot step looks again now and then (it reads, and acts only on a change).
      this.#timers.push(new Periodic(UNWATCHED_TUNNEL_CHECK_MS, async () => onStowaway()));
    }
    // Drift of the operator's Services and connection Secret is repaired where it can be watched;
    // under a role without `watch` (the Gefyra client's) a later init pass finds it instead.
    const services = { apiVersion: 'v1', kind: 'Service', namespace: config.namespace };
    if (this.#access.canWatch(services)) this.#subscriptions.push(this.#deps.watches.watch(services, (event) => this.#onService(event), onError));
    const secrets = { apiVersion: 'v1', kind: 'Secret', namespace: config.namespace, labels: MANAGED_BY_LABELS };
    if (this.#access.canWatch(secrets)) {
      this.#subscriptions.push(
        this.#deps.watches.watch(
          secrets,
          (event) => {
            if (event.type !== 'ADDED') this.#installationDrifted(event);
          },
          onError,
        ),
      );
    }
    for (const controller of this.#deps.controllers ?? []) {
      for (const spec of controller.watches) {
        this.#subscriptions.push(
          this.#deps.watches.watch(spec, (event) => {
            for (const key of spec.keysOf(event)) this.#queue?.add(`${CONTROLLER_PREFIX}${controller.name}/${key}`);
          }, onError),
        );
      }
    }
    this.#queue.add(BOOT);
  }

  /**
   * A proxy Service deleted: its request loads its routes again. Any other
   * Service of the installation changed or deleted: the installation is
   * degraded (/readyz says so) until the init phase has applied it again.
   * Additions are the operator's own doing (or a watch starting).
   */
  #onService(event: WatchEvent): void {
    if (event.type === 'ADDED') return;
    const owner = this.#deps.tunnel.proxyOwnerOf(event.object);
    if (owner === undefined) this.#installationDrifted(event);
    else if (event.type === 'DELETED') this.#queue?.add(`${REQUEST_PREFIX}${this.#deps.config.namespace}/${owner}`);
  }

  #installationDrifted(event: WatchEvent): void {
    if (this.#booted) {
      this.#log.warn({ kind: event.object.kind, name: event.object.metadata.name, change: event.type }, 'installation changed by someone else; restoring it');
    }
    this.#booted = false;
    this.#deps.boot.installationChanged();
    this.#queue?.add(BOOT);
  }

  async #stopLeading(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#leaseValidUntil = undefined;
    this.#booted = false;
    this.#standingBy = false;
    for (const timer of this.#timers) timer.stop();
    this.#timers = [];
    const subscriptions = this.#subscriptions.splice(0);
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    await this.#queue?.shutdown();
    this.#queue = undefined;
  }

  async #process(key: string, signal: AbortSignal): Promise<{ requeueAfterMs?: number } | void> {
    if (this.#leaseLapsed()) {
      // Not awaited: stopping waits for the work in flight, this call among it.
      this.#log.warn({ key }, 'the lease ran out by the local clock; no more work until it is renewed');
      void this.#stopLeading();
      this.#leadership?.triggerNow();
      return;
    }
    const controller = controllerOf(key);
    const started = performance.now();
    try {
      const result = await this.#dispatch(key, signal);
      this.#deps.metrics.reconciles.inc({ controller, result: result?.requeueAfterMs === undefined ? 'done' : 'requeue' });
      return result;
    } finally {
      this.#deps.metrics.reconcileSeconds.observe((performance.now() - started) / 1000, { controller });
    }
  }

  async #dispatch(key: string, signal: AbortSignal): Promise<{ requeueAfterMs?: number } | void> {
    // After a reset there is nothing left to serve: a boot would install Gefyra
    // again, a second reset (queued by a heartbeat during the first) would fail.
    if (this.#resetDone) return;
    if (key === BOOT) return this.#bootStep(signal);
    if (key === RESET) return this.#resetStep(signal);
    if (key.startsWith(CONTROLLER_PREFIX)) return this.#controllerStep(key, signal);
    if (this.#resetting) return;
    const [namespace, name] = key.slice(REQUEST_PREFIX.length).split('/') as [string, string];
    const result = await this.#deps.intercepts.reconcile({ namespace, name }, signal);
    return result.done ? undefined : { requeueAfterMs: result.requeueAfterMs };
  }

  #controllerStep(key: string, signal: AbortSignal): Promise<{ requeueAfterMs?: number } | void> {
    const [name = '', ...rest] = key.slice(CONTROLLER_PREFIX.length).split('/');
    const controller = this.#deps.controllers?.find((candidate) => candidate.name === name);
    return controller ? controller.reconcile(rest.join('/'), signal) : Promise.resolve();
  }

  async #bootStep(signal: AbortSignal): Promise<{ requeueAfterMs?: number } | void> {
    const outcome = await this.#deps.boot.reconcile(signal);
    switch (outcome.state) {
      case 'ready':
        this.#booted = true;
        if (!this.#standingBy) await this.#startStandby(signal);
        return;
      case 'waiting':
        this.#log.info({ reason: outcome.reason, detail: outcome.message }, 'init phase waiting');
        return { requeueAfterMs: this.#stowawayWatched() ? outcome.recheckAfterMs : Math.min(outcome.recheckAfterMs, this.#access.recheckMs) };
      case 'blocked':
        throw new DomainError('Unavailable', `init phase blocked (${outcome.reason}): ${outcome.message}`, { retryable: true });
      case 'resetPending':
        this.#queue?.add(RESET);
        return;
    }
  }

  #stowawayWatched(): boolean {
    const { deployments, stowawayPods } = operatorWatches(this.#deps.config.namespace);
    return this.#access.canWatch(deployments) && this.#access.canWatch(stowawayPods);
  }

  async #resetStep(signal: AbortSignal): Promise<void> {
    this.#resetting = true;
    const recorded = await this.#deps.ledger.find(signal);
    await this.#deps.reset.reset(recorded?.reason ?? 'reset requested', { removeOperator: true }, signal);
    this.#resetDone = true;
    this.#log.warn({}, 'cluster reset; the operator is being removed with its namespace');
    for (const timer of this.#timers) timer.stop();
  }

  async #startStandby(signal: AbortSignal): Promise<void> {
    const { config, watches, carrier, tracker, standby, metrics } = this.#deps;
    this.#standingBy = true;
    const onError = (error: unknown) => this.#log.warn({ error: toDomainError(error).message }, 'watch error');
    const carrierPods: WatchSpec = { apiVersion: 'v1', kind: 'Pod', labels: carrier.podLabels };
    const podsWatched = this.#access.canWatch(carrierPods);
    if (podsWatched) {
      const pods = watches.watch(
        carrierPods,
        (event: WatchEvent) => {
          for (const owner of carrier.ownersOf(toDomainPod(event.object))) this.#queue?.add(REQUEST_PREFIX + owner.request);
        },
        onError,
      );
      this.#subscriptions.push(pods);
      // Pods first: a request reconciled before the pod cache is synced would read its pod from the API.
      await pods.synced;
    }
    const requests = watches.watch(
      operatorWatches(config.namespace).requests,
      (event) => {
        const key = requestKey(metadataRef(event.object));
        const durationMs = tracker.observe(event);
        if (durationMs) metrics.interceptSeconds.observe(durationMs.ms / 1000, { phase: durationMs.phase });
        this.#queue?.add(REQUEST_PREFIX + key);
      },
      onError,
    );
    this.#subscriptions.push(requests, this.#tellRequestsElsewhere());
    // A deleted route table (or reset ledger) is rebuilt from the requests: each reserves its routes again, on their old ports.
    // Unwatchable (the Gefyra client's role), the requests' resync finds it instead.
    const configMaps = { apiVersion: 'v1', kind: 'ConfigMap', namespace: config.namespace };
    if (this.#access.canWatch(configMaps)) {
      this.#subscriptions.push(
        watches.watch(
          configMaps,
          (event) => {
            if (event.type === 'DELETED') for (const key of tracker.keys()) this.#queue?.add(REQUEST_PREFIX + key);
          },
          onError,
        ),
      );
    }
    await requests.synced;
    try {
      await standby.collectOrphanRoutes(signal);
    } catch (error) {
      this.#log.warn({ error: toDomainError(error).message }, 'could not collect orphan routes; trying at the next resync');
    }
    // Unwatched, a pod that restarts or loses Carrier is noticed at the resync: a short one.
    const resyncMs = podsWatched ? config.resyncIntervalMs : Math.min(config.resyncIntervalMs, UNWATCHED_RESYNC_MS);
    this.#timers.push(
      new Periodic(resyncMs, async () => {
        for (const key of tracker.keys()) this.#queue?.add(REQUEST_PREFIX + key);
      }),
      new Periodic(config.heartbeatIntervalMs, () => this.#heartbeatTick()),
    );
    this.#log.info({ requests: tracker.keys().length }, 'standby: reconciling InterceptRequests');
  }

  /**
   * A restarted tunnel has lost the routes it had loaded: every request must
   * load its routes again. Other changes to the tunnel's pods (the touch after
   * every route change among them) concern no request.
   */
  async #requeueAllIfTunnelRestarted(): Promise<void> {
    try {
      const revision = await this.#deps.tunnel.currentRevision(AbortSignal.timeout(10_000));
      if (revision === this.#lastTunnelRevision) return;
      this.#lastTunnelRevision = revision;
      for (const key of this.#deps.tracker.keys()) this.#queue?.add(REQUEST_PREFIX + key);
    } catch (error) {
      this.#log.debug({ error: toDomainError(error).message }, 'could not read the tunnel revision; the next resync catches up');
    }
  }

  /** A request created in another namespace is not served; its author learns why from an Event next to it. */
  #tellRequestsElsewhere(): WatchSubscription {
    const { config, events } = this.#deps;
    const told = new Set<string>();
    const { apiVersion, kind } = operatorWatches(config.namespace).requests;
    return this.#deps.watches.watch(
      { apiVersion, kind },
      (event) => {
        const { namespace = '', name, uid = '' } = event.object.metadata;
        if (namespace === config.namespace) return;
        if (event.type === 'DELETED') told.delete(uid);
        if (event.type !== 'ADDED' || told.has(uid)) return;
        told.add(uid);
        const note = `this operator serves InterceptRequests in namespace ${config.namespace} only; this one is ignored (create it there)`;
        void events.record(interceptEvent({ namespace, name }, 'Warning', 'NamespaceNotServed', note), AbortSignal.timeout(10_000));
      },
      (error) => this.#log.warn({ error: toDomainError(error).message }, 'watch error'),
    );
  }

  async #heartbeatTick(): Promise<void> {
    try {
      const verdict = await this.#deps.heartbeat.check(AbortSignal.timeout(30_000));
      if (verdict.state === 'lost') this.#queue?.add(RESET);
    } catch (error) {
      this.#log.debug({ error: toDomainError(error).message }, 'heartbeat check failed; trying again at the next tick');
    }
  }
}

/** A Deployment whose spec someone changed: its controller has not observed the new generation yet. */
function specChanged(object: Manifest): boolean {
  const observed = (object['status'] as { observedGeneration?: number } | undefined)?.observedGeneration;
  return object.metadata.generation !== undefined && observed !== undefined && object.metadata.generation > observed;
}

const controllerOf = (key: string): string =>
  key.startsWith(REQUEST_PREFIX) ? 'intercept' : key.startsWith(CONTROLLER_PREFIX) ? (key.slice(CONTROLLER_PREFIX.length).split('/')[0] ?? key) : key;

function metadataRef(object: Manifest): { namespace: string; name: string } {
  return { namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

import type { OperatorConfig } from '../../config.js';
import { toDomainError } from '../../domain/errors.js';
import type { LeaderElection } from '../../domain/leadership/leader-election.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { Controller } from './controller.js';
import { ControllerRun } from './controller-run.js';
import type { OperatorMetrics } from './metrics.js';
import type { OperatorPhase } from './operator-phase.js';
import { Periodic } from './periodic.js';
import type { WatchSource, WatchSpec, WatchSubscription } from './watch-source.js';

/** What the runtime needs to know of its credentials' access (composition/access-plan.ts decides it). */
export interface RuntimeAccess {
  canWatch(spec: WatchSpec): boolean;
  /** How soon an unwatched wait is looked at again. */
  readonly recheckMs: number;
  readonly leaderLock: 'Lease' | 'ConfigMap' | 'none';
}

/** Under the full deploy/ RBAC: everything watched, Lease election. */
export const FULL_RUNTIME_ACCESS: RuntimeAccess = { canWatch: () => true, recheckMs: 1000, leaderLock: 'Lease' };

export interface ManagerDependencies {
  readonly config: Pick<
    OperatorConfig,
    'namespace' | 'identity' | 'leaderElection' | 'leaseDurationSeconds' | 'maxConcurrentReconciles'
  >;
  readonly leader: LeaderElection;
  readonly watches: WatchSource;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: OperatorMetrics;
  readonly phase: OperatorPhase;
  /** In the order they start: those that start together start one after the other. */
  readonly controllers: readonly Controller<unknown>[];
  readonly access?: RuntimeAccess;
}

/**
 * Runs the controllers: leader election first; while this replica leads,
 * every controller that starts with the lead, and those that serve the
 * installation once it is ready. It answers the health checks (live,
 * ready), keeps the metrics of every reconcile and stops in order.
 * Stopping (SIGTERM, a rolling update) hands work back and releases the
 * lease; what else happens at shutdown is the controllers' (atShutdown).
 */
export class Manager {
  readonly #deps: ManagerDependencies;
  readonly #log: Logger;
  readonly #access: RuntimeAccess;
  #runs: ControllerRun<unknown>[] = [];
  #leaseSubscription: WatchSubscription | undefined;
  #leadership: Periodic | undefined;
  #leading = false;
  #following = false;
  #installedStarted = false;
  #stopped = false;
  #lastFollowedHolder: string | undefined;
  /**
   * When this replica's lease runs out by its own clock. A process paused
   * past it (a stopped container, a long GC) may have been replaced: it
   * starts no more work until it has renewed, instead of writing until its
   * next election tick notices.
   */
  #leaseValidUntil: number | undefined;

  constructor(dependencies: ManagerDependencies) {
    this.#deps = dependencies;
    this.#log = dependencies.logger.child({ component: 'runtime' });
    this.#access = dependencies.access ?? FULL_RUNTIME_ACCESS;
    dependencies.phase.whenInstalled(() => this.#startInstalledControllers());
  }

  get leading(): boolean {
    return this.#leading;
  }

  /** Ready once every controller says so on the leader; a follower of a live leader is a healthy standby. */
  ready(): boolean {
    if (!this.#leading) return this.#following;
    return this.#deps.controllers.every((controller) => controller.ready?.() ?? true);
  }

  live(): boolean {
    return !this.#stopped;
  }

  /** Keys waiting, running or scheduled in every controller's queue. */
  queueDepth(): number {
    return this.#runs.reduce((depth, run) => depth + run.depth, 0);
  }

  /** Resolves once no reconcile is queued or running (tests and benchmarks wait on it). */
  async idle(): Promise<void> {
    await Promise.all(this.#runs.map((run) => run.onIdle()));
  }

  async start(): Promise<void> {
    if (!this.#electing) {
      if (this.#deps.config.leaderElection) {
        this.#log.warn(
          {},
          'no leader election: these credentials may neither write Leases nor ConfigMaps; run one replica only',
        );
      }
      await this.#startLeading();
      return;
    }
    const renewEveryMs = Math.max(1000, (this.#deps.config.leaseDurationSeconds * 1000) / 3);
    this.#leadership = new Periodic(this.#deps.clock, renewEveryMs, () => this.#electionTick(), true);
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
    // A tick on the wire would otherwise come back "leading" after the stop and start everything again.
    await this.#leadership?.stop();
    const { phase } = this.#deps;
    const serving = this.#leading && phase.installed && !phase.resetDone;
    await this.#stopLeading();
    await this.#leaseSubscription?.stop();
    if (serving) for (const controller of this.#deps.controllers) await controller.atShutdown?.();
    if (this.#electing) {
      try {
        await this.#deps.leader.release(AbortSignal.timeout(5000));
        this.#log.info({}, 'released the lease');
      } catch (error) {
        this.#log.warn(
          { error: toDomainError(error).message },
          'could not release the lease; a successor waits for it to expire',
        );
      }
    }
    this.#log.info({}, phase.resetDone ? 'stopped after removing what it had set up' : 'stopped; nothing was reset');
  }

  async #electionTick(): Promise<void> {
    if (this.#stopped) return;
    try {
      const state = await this.#deps.leader.tryLead(AbortSignal.timeout(10_000));
      if (this.#stopped) return;
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
    return (
      this.#deps.config.leaderElection &&
      this.#leaseValidUntil !== undefined &&
      this.#deps.clock.now().getTime() >= this.#leaseValidUntil
    );
  }

  async #startLeading(): Promise<void> {
    if (this.#stopped) return;
    const { config } = this.#deps;
    if (config.leaderElection && this.#leaseValidUntil === undefined) this.#renewedLease();
    this.#leading = true;
    this.#following = false;
    this.#installedStarted = false;
    this.#log.info({ identity: config.identity, namespace: config.namespace }, 'leading');
    for (const controller of this.#deps.controllers) {
      if (controller.startsWhen === 'leading') await this.#startRun(controller);
    }
  }

  /** Once per term, when the installation is first ready: the controllers that serve it. */
  async #startInstalledControllers(): Promise<void> {
    if (this.#installedStarted || !this.#leading) return;
    this.#installedStarted = true;
    for (const controller of this.#deps.controllers) {
      if (controller.startsWhen === 'installed') await this.#startRun(controller);
    }
  }

  async #startRun(controller: Controller<unknown>): Promise<void> {
    if (!this.#leading) return;
    const run = new ControllerRun(controller, {
      clock: this.#deps.clock,
      watches: this.#deps.watches,
      access: this.#access,
      metrics: this.#deps.metrics,
      log: this.#log,
      concurrency: controller.concurrency ?? 1,
      beforeReconcile: () => this.#mayWork(),
    });
    this.#runs.push(run);
    await run.start();
  }

  /** Whether a reconcile may run now: never after a reset, nor on a lease that ran out by the local clock. */
  #mayWork(): boolean {
    if (this.#leaseLapsed()) {
      // Not awaited: stopping waits for the work in flight, the caller among it.
      this.#log.warn({}, 'the lease ran out by the local clock; no more work until it is renewed');
      void this.#stopLeading();
      this.#leadership?.triggerNow();
      return false;
    }
    // After a reset there is nothing left to serve: a boot would install Gefyra
    // again, a second reset (requested by a heartbeat during the first) would fail.
    return !this.#deps.phase.resetDone;
  }

  async #stopLeading(): Promise<void> {
    if (!this.#leading) return;
    this.#leading = false;
    this.#leaseValidUntil = undefined;
    this.#deps.phase.endTerm();
    // Runs started by work in flight while this stops are stopped too.
    while (this.#runs.length > 0) {
      await Promise.all(this.#runs.splice(0).map((run) => run.stop()));
    }
  }
}

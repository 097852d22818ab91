import { toDomainError } from '../../domain/errors.js';
import type { Clock } from '../../ports/clock.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { Controller, PeriodicKeys, Reconciled } from './controller.js';
import type { RuntimeAccess } from './manager.js';
import type { OperatorMetrics } from './metrics.js';
import { Periodic } from './periodic.js';
import type { WatchSource, WatchSubscription } from './watch-source.js';
import { WorkQueue } from './work-queue.js';

export interface ControllerRunContext {
  readonly clock: Clock;
  readonly watches: WatchSource;
  readonly access: RuntimeAccess;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
  readonly concurrency: number;
  /** Asked before every reconcile; false skips it (the manager's lease and reset rules). */
  readonly beforeReconcile: () => boolean;
}

/**
 * One controller running for one term of leadership: its work queue, its
 * watch subscriptions (or the periodic looks that stand in for them) and
 * its resyncs, all ended by `stop`.
 */
export class ControllerRun<Key> {
  readonly #controller: Controller<Key>;
  readonly #context: ControllerRunContext;
  readonly #queue: WorkQueue<Key>;
  readonly #subscriptions: WatchSubscription[] = [];
  readonly #timers: Periodic[] = [];
  /** Ends what the controller's start hook does when the run stops. */
  readonly #abort = new AbortController();
  #stopped = false;

  constructor(controller: Controller<Key>, context: ControllerRunContext) {
    this.#controller = controller;
    this.#context = context;
    this.#queue = new WorkQueue<Key>(
      (key, signal) => this.#reconcile(key, signal),
      { clock: context.clock, concurrency: context.concurrency, identify: (key) => controller.identify(key) },
      (key, error, attempt) => {
        const domainError = toDomainError(error);
        context.metrics.errors.inc({ controller: controller.name, kind: domainError.kind });
        context.log.warn(
          {
            controller: controller.name,
            key: controller.identify(key),
            attempt,
            kind: domainError.kind,
            error: domainError.message,
          },
          'reconcile failed',
        );
      },
    );
  }

  get depth(): number {
    return this.#queue.depth;
  }

  onIdle(): Promise<void> {
    return this.#queue.onIdle();
  }

  async start(): Promise<void> {
    const controller = this.#controller;
    const { watches, access, log } = this.#context;
    controller.queue.connect(this.#queue);
    const onError = (error: unknown) =>
      log.warn({ controller: controller.name, error: toDomainError(error).message }, 'watch error');
    for (const watch of controller.watches) {
      if (this.#stopped) return;
      if (access.canWatch(watch.spec)) {
        const subscription = watches.watch(watch.spec, (event) => this.#addAll(watch.keysOf(event)), onError);
        this.#subscriptions.push(subscription);
        // A watch that cannot list (yet) must not hold up the stop of this run.
        if (watch.primesCache) await Promise.race([subscription.synced, whenAborted(this.#abort.signal)]);
      } else if (watch.unwatched) {
        this.#every(watch.unwatched);
      }
    }
    if (this.#stopped) return;
    await controller.started?.(this.#abort.signal);
    for (const resync of controller.resyncs ?? []) this.#every(resync);
    this.#addAll(controller.initialKeys ?? []);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort.abort(new Error('the controller stopped'));
    await Promise.all(this.#timers.splice(0).map((timer) => timer.stop()));
    await Promise.all(this.#subscriptions.splice(0).map((subscription) => subscription.stop()));
    await this.#queue.shutdown();
    this.#controller.queue.connect(undefined);
    this.#controller.stopped?.();
    // One line per controller: a shutdown that hangs shows which one it waits for.
    this.#context.log.info({ controller: this.#controller.name }, 'controller stopped');
  }

  #every(periodic: PeriodicKeys<Key>): void {
    if (this.#stopped) return;
    this.#timers.push(new Periodic(this.#context.clock, periodic.everyMs, async () => this.#addAll(periodic.keys())));
  }

  #addAll(keys: Iterable<Key>): void {
    for (const key of keys) this.#queue.add(key);
  }

  async #reconcile(key: Key, signal: AbortSignal): Promise<Reconciled | void> {
    if (!this.#context.beforeReconcile()) return;
    const { metrics } = this.#context;
    const controller = this.#controller.name;
    const started = performance.now();
    try {
      const result = await this.#controller.reconcile(key, signal);
      metrics.reconciles.inc({ controller, result: result?.requeueAfterMs === undefined ? 'done' : 'requeue' });
      return result;
    } finally {
      metrics.reconcileSeconds.observe((performance.now() - started) / 1000, { controller });
    }
  }
}

/** Resolves when the signal aborts. */
function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

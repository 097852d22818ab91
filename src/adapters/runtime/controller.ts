import type { Logger } from '../../ports/logger.port.js';
import type { InterceptTracker } from './intercept-tracker.js';
import type { RuntimeAccess } from './manager.js';
import type { OperatorMetrics } from './metrics.js';
import type { OperatorPhase } from './operator-phase.js';
import type { WatchEvent, WatchSpec } from './watch-source.js';

/** What a reconcile asks of its queue: nothing (done), or another look after a delay. */
export interface Reconciled {
  readonly requeueAfterMs?: number;
}

/** Keys looked at every `everyMs` of the clock: a resync, or the stand-in for a watch the credentials do not allow. */
export interface PeriodicKeys<Key> {
  readonly everyMs: number;
  keys(): Iterable<Key>;
}

/** One kind a controller watches, and which of its keys an event concerns. */
export interface ControllerWatch<Key> {
  readonly spec: WatchSpec;
  /** The keys an event concerns; none for an event that concerns no work of this controller. */
  keysOf(event: WatchEvent): Iterable<Key>;
  /** The watch fills a cache that reconciles read: its first list is awaited before the controller's later watches start. */
  readonly primesCache?: boolean;
  /** When the credentials may not watch the kind: the keys to look at now and then instead. Without it, the kind is simply not watched. */
  readonly unwatched?: PeriodicKeys<Key>;
}

/**
 * One concern of the operator, reconciled from its own typed work queue:
 * the manager runs it while this replica leads, feeds its queue from its
 * watches and periodic keys, counts its reconciles, and stops it when the
 * lead is lost. A new resource kind is a new controller, registered with
 * the manager (composition/runtime-controllers.ts), not an edit of it.
 */
export interface Controller<Key> {
  /** The `controller` label of the reconcile metrics. */
  readonly name: string;
  /** `leading`: from the moment this replica leads; `installed`: once the installation is ready (see OperatorPhase). */
  readonly startsWhen: 'leading' | 'installed';
  /** Which keys are the same piece of work (queued once, never run twice at once). */
  identify(key: Key): string;
  readonly watches: readonly ControllerWatch<Key>[];
  /** Keys looked at periodically whatever the watches say. */
  readonly resyncs?: readonly PeriodicKeys<Key>[];
  /** Keys looked at as soon as it starts. */
  readonly initialKeys?: readonly Key[];
  /** How many keys it reconciles at once; 1 by default. */
  readonly concurrency?: number;
  /** Where others (and its own watches' side paths) put its keys while it runs. */
  readonly queue: KeyInbox<Key>;
  /** Runs once its watches are started (those that prime a cache synced), before its first keys. */
  started?(signal: AbortSignal): Promise<void>;
  reconcile(key: Key, signal: AbortSignal): Promise<Reconciled | void>;
  /** Whether, as far as this controller knows, the leading replica may report ready. */
  ready?(): boolean;
  /** Once its run has stopped (the lead lost, or the replica stopping): forget what the term remembered. */
  stopped?(): void;
  /** At shutdown of a replica that was serving; its own deadline inside. */
  atShutdown?(): Promise<void>;
}

/**
 * A controller's queue as seen from outside the manager: keys added while
 * the controller runs reach its work queue; otherwise they are dropped
 * (whoever leads next finds the work again from the cluster).
 */
export class KeyInbox<Key> {
  #queue: KeySink<Key> | undefined;

  add(key: Key): void {
    this.#queue?.add(key);
  }

  addAll(keys: Iterable<Key>): void {
    for (const key of keys) this.add(key);
  }

  /** The manager connects the inbox to the work queue for the controller's run, and disconnects it after. */
  connect(queue: KeySink<Key> | undefined): void {
    this.#queue = queue;
  }
}

/** Where keys go: a work queue, as far as an inbox needs one. */
export interface KeySink<Key> {
  add(key: Key): void;
}

/** What one manager shares with the controllers it runs (created with it, one per process). */
export interface ControllerScope {
  readonly phase: OperatorPhase;
  readonly metrics: OperatorMetrics;
  readonly tracker: InterceptTracker;
  readonly access: RuntimeAccess;
  /** The runtime's logger. */
  readonly logger: Logger;
}

/** Makes a controller for a manager; bound (multi) under RUNTIME.Controllers, in the order they start. */
export type ControllerFactory = (scope: ControllerScope) => Controller<unknown>;

import type { Manifest } from '../../ports/cluster-api.port.js';

/**
 * A stream of changes to objects of one kind, as the controller runtime
 * consumes it. Implementations list first (every existing object arrives as
 * ADDED), then watch from the list's resourceVersion, resume after a dropped
 * connection, and list again when the server says the version is gone (410),
 * emitting DELETED for what vanished in between. This is a driving-side
 * interface of the runtime, not a domain port: the domain never watches.
 */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface WatchEvent {
  readonly type: WatchEventType;
  readonly object: Manifest;
}

export interface WatchSpec {
  readonly apiVersion: string;
  readonly kind: string;
  /** One namespace, or all when undefined. */
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
}

export interface WatchSubscription {
  /** Resolves once the initial list has been delivered. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

export interface WatchSource {
  watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void, onError?: (error: unknown) => void): WatchSubscription;
}

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

/** Equality-based label selection: every label the selector names, with that value; no selector selects all. */
export function hasLabels(
  selector: Readonly<Record<string, string>> | undefined,
  labels: Readonly<Record<string, string>> | undefined,
): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

/** Whether an object is one a watch of this spec delivers: its kind, namespace and labels. */
export function selects(spec: WatchSpec, object: Manifest): boolean {
  if (object.apiVersion !== spec.apiVersion || object.kind !== spec.kind) return false;
  if (spec.namespace !== undefined && object.metadata.namespace !== spec.namespace) return false;
  return hasLabels(spec.labels, object.metadata.labels);
}

export interface WatchSubscription {
  /** Resolves once the initial list has been delivered. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

export interface WatchSource {
  watch(spec: WatchSpec, onEvent: (event: WatchEvent) => void, onError?: (error: unknown) => void): WatchSubscription;
}

import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesWatchSource } from '../../../src/adapters/kubernetes/client/index.js';
import type { WatchSpec } from '../../../src/adapters/runtime/watch-source.js';
import type { Manifest, ObjectRef } from '../../../src/ports/cluster-api.port.js';

export interface WaitForOptions {
  /** Says what is awaited, for the timeout message. */
  readonly what: string;
  /** Default 30 s. */
  readonly timeoutMs?: number;
}

/**
 * Watches the objects of one kind (list, then watch) and resolves with the
 * first value `check` returns for the objects as they stand, checked after
 * the initial list and after every change. Tests wait on the cluster this
 * way instead of sleeping; a timeout names what was awaited and what was there.
 */
export async function waitForObjects<T>(
  kubeConfig: KubeConfig,
  spec: WatchSpec,
  check: (objects: readonly Manifest[]) => T | undefined,
  options: WaitForOptions,
): Promise<T> {
  const objects = new Map<string, Manifest>();
  const errors: string[] = [];
  let synced = false;
  let settle: ((value: T) => void) | undefined;
  const evaluate = (): void => {
    if (!synced || settle === undefined) return;
    const value = check([...objects.values()]);
    if (value !== undefined) settle(value);
  };
  const subscription = new KubernetesWatchSource(kubeConfig).watch(
    spec,
    (event) => {
      const key = `${event.object.metadata.namespace ?? ''}/${event.object.metadata.name}`;
      if (event.type === 'DELETED') objects.delete(key);
      else objects.set(key, event.object);
      evaluate();
    },
    (error) => errors.push(error instanceof Error ? error.message : String(error)),
  );
  const timeoutMs = options.timeoutMs ?? 30_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<T>((resolve, reject) => {
      settle = resolve;
      timer = setTimeout(() => {
        const all = [...objects.values()];
        // A few objects: say what state they are stuck in (a terminating namespace's conditions).
        const describe = (object: Manifest) =>
          `${object.metadata.namespace ?? ''}/${object.metadata.name}` +
          (all.length <= 3 && object['status'] !== undefined
            ? ` ${JSON.stringify(object['status']).slice(0, 1500)}`
            : '');
        const seen = all.map(describe).join(', ');
        const watchErrors = errors.length > 0 ? `; watch errors: ${errors.slice(-3).join(' | ')}` : '';
        reject(
          new Error(
            `timed out after ${timeoutMs} ms waiting for ${options.what} (${spec.kind} seen: ${seen || 'none'}${watchErrors})`,
          ),
        );
      }, timeoutMs);
      void subscription.synced.then(() => {
        synced = true;
        evaluate();
      });
    });
  } finally {
    settle = undefined;
    clearTimeout(timer);
    await subscription.stop();
  }
}

/** Resolves with the object once `predicate` accepts it (it receives `undefined` while the object does not exist). */
export async function waitForObject(
  kubeConfig: KubeConfig,
  ref: ObjectRef,
  predicate: (object: Manifest | undefined) => boolean,
  options: WaitForOptions,
): Promise<Manifest | undefined> {
  const found = await waitForObjects(
    kubeConfig,
    {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      ...(ref.namespace === undefined ? {} : { namespace: ref.namespace }),
    },
    (objects) => {
      const object = objects.find((candidate) => candidate.metadata.name === ref.name);
      return predicate(object) ? { object } : undefined;
    },
    options,
  );
  return found.object;
}

/** Resolves once the object does not exist (deleted, finalizers released). */
export async function waitForGone(kubeConfig: KubeConfig, ref: ObjectRef, timeoutMs = 60_000): Promise<void> {
  const where = ref.namespace === undefined ? ref.name : `${ref.namespace}/${ref.name}`;
  await waitForObject(kubeConfig, ref, (object) => object === undefined, {
    what: `${ref.kind} ${where} to be gone`,
    timeoutMs,
  });
}

export interface ObjectRecorder {
  /** Every version of every object seen since the recording started (deleted ones included), in order. */
  readonly seen: readonly Manifest[];
  /** Resolves once the initial list is in. */
  readonly synced: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Keeps what a watch delivers, for objects that may be gone by the time the
 * test looks (the Events of a namespace that a reset deletes).
 */
export function recordObjects(kubeConfig: KubeConfig, spec: WatchSpec): ObjectRecorder {
  const seen: Manifest[] = [];
  const subscription = new KubernetesWatchSource(kubeConfig).watch(
    spec,
    (event) => seen.push(event.object),
    () => undefined,
  );
  return { seen, synced: subscription.synced, stop: async () => await subscription.stop() };
}

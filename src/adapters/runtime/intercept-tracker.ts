import type { WatchEvent } from './watch-source.js';

/**
 * What the runtime remembers about InterceptRequests between watch events:
 * their keys and targets (for resyncs and wake-ups) and, for the metrics page
 * only, when each was seen and whether it is established. Decisions never
 * depend on this memory.
 */
export class InterceptTracker {
  readonly #seen = new Map<string, { since: number; established: boolean; target: string; deletingSince?: number }>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
  }

  /** A term ended: the next one's watch tells everything again, and a standby reports nothing stale. */
  clear(): void {
    this.#seen.clear();
  }

  keys(): string[] {
    return [...this.#seen.keys()];
  }

  /** The keys of the requests last seen established. */
  establishedKeys(): string[] {
    return [...this.#seen].filter(([, entry]) => entry.established).map(([key]) => key);
  }

  established(): number {
    let count = 0;
    for (const entry of this.#seen.values()) if (entry.established) count += 1;
    return count;
  }

  /** The other requests that ask for the container the object asks for. */
  sharingTarget(object: WatchEvent['object']): string[] {
    const key = keyOf(object);
    const target = targetOf(object);
    return [...this.#seen].filter(([other, entry]) => other !== key && entry.target === target).map(([other]) => other);
  }

  /** Records an event; returns a duration to observe when the event completes an establish or a removal. */
  observe(event: WatchEvent): { phase: 'establish' | 'remove'; ms: number } | undefined {
    const { metadata } = event.object;
    const key = keyOf(event.object);
    const now = this.#now();
    const established = event.object['established'] === true;
    const entry = this.#seen.get(key);
    if (event.type === 'DELETED') {
      this.#seen.delete(key);
      return entry?.deletingSince === undefined ? undefined : { phase: 'remove', ms: now - entry.deletingSince };
    }
    if (!entry) {
      this.#seen.set(key, { since: now, established, target: targetOf(event.object) });
      return undefined;
    }
    entry.target = targetOf(event.object);
    let completed: { phase: 'establish'; ms: number } | undefined;
    if (established && !entry.established && event.type === 'MODIFIED')
      completed = { phase: 'establish', ms: now - entry.since };
    entry.established = established;
    if (metadata.deletionTimestamp && entry.deletingSince === undefined) entry.deletingSince = now;
    return completed;
  }
}

const keyOf = (object: WatchEvent['object']): string => `${object.metadata.namespace ?? ''}/${object.metadata.name}`;

/** The container a request asks for, as its spec names it (unchecked: only compared). */
function targetOf(object: WatchEvent['object']): string {
  const spec = (object['spec'] ?? {}) as Record<string, unknown>;
  return JSON.stringify([spec['targetNamespace'], spec['targetPod'], spec['targetContainer']]);
}

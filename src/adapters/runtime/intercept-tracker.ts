import type { WatchEvent } from './watch-source.js';

/**
 * What the runtime remembers about InterceptRequests between watch events:
 * their keys (for resyncs) and, for the metrics page only, when each was seen
 * and whether it is established. Decisions never depend on this memory.
 */
export class InterceptTracker {
  readonly #seen = new Map<string, { since: number; established: boolean; deletingSince?: number }>();
  readonly #now: () => number;

  constructor(now: () => number = () => performance.now()) {
    this.#now = now;
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

  /** Records an event; returns a duration to observe when the event completes an establish or a removal. */
  observe(event: WatchEvent): { phase: 'establish' | 'remove'; ms: number } | undefined {
    const { metadata } = event.object;
    const key = `${metadata.namespace ?? ''}/${metadata.name}`;
    const now = this.#now();
    const established = event.object['established'] === true;
    const entry = this.#seen.get(key);
    if (event.type === 'DELETED') {
      this.#seen.delete(key);
      return entry?.deletingSince === undefined ? undefined : { phase: 'remove', ms: now - entry.deletingSince };
    }
    if (!entry) {
      this.#seen.set(key, { since: now, established });
      return undefined;
    }
    let completed: { phase: 'establish'; ms: number } | undefined;
    if (established && !entry.established && event.type === 'MODIFIED') completed = { phase: 'establish', ms: now - entry.since };
    entry.established = established;
    if (metadata.deletionTimestamp && entry.deletingSince === undefined) entry.deletingSince = now;
    return completed;
  }
}

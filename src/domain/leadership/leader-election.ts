import type { Clock } from '../../ports/clock.port.js';
import type { LeaseRecord, LeaseStore } from '../../ports/lease-store.port.js';
import { isDomainError } from '../errors.js';
import { decideLeadership } from './leadership-decision.js';

export type LeadershipState =
  | { readonly leading: true }
  | { readonly leading: false; readonly holder: string | undefined; readonly expiresAt?: Date };

/**
 * One attempt to lead, as a step the runtime repeats every few seconds: two
 * replicas never act at once, and a replica that stops renewing is replaced
 * once its lease expires. Losing a write race (Conflict) means someone else
 * just took the lease.
 */
export class LeaderElection {
  readonly #store: LeaseStore;
  readonly #clock: Clock;
  readonly #identity: string;
  readonly #durationSeconds: number;
  /** The lease as this replica last wrote it: renewing needs no read while nobody else wrote since. */
  #lastWritten: LeaseRecord | undefined;

  constructor(store: LeaseStore, clock: Clock, identity: string, durationSeconds: number) {
    this.#store = store;
    this.#clock = clock;
    this.#identity = identity;
    this.#durationSeconds = durationSeconds;
  }

  get identity(): string {
    return this.#identity;
  }

  get durationSeconds(): number {
    return this.#durationSeconds;
  }

  async tryLead(signal: AbortSignal): Promise<LeadershipState> {
    if (this.#lastWritten) {
      // Renew on what we wrote last; a Conflict means someone else wrote, so read before deciding.
      const renewed = await this.#write(
        { ...this.#lastWritten, renewedAt: this.#clock.now(), durationSeconds: this.#durationSeconds },
        signal,
      );
      if (renewed) return { leading: true };
    }
    const lease = await this.#store.find(signal);
    const decision = decideLeadership(lease, this.#identity, this.#clock.now(), this.#durationSeconds);
    if (decision.action === 'follow') return { leading: false, holder: decision.holder, expiresAt: decision.expiresAt };
    return (await this.#write(decision.record, signal)) ? { leading: true } : { leading: false, holder: undefined };
  }

  async #write(record: LeaseRecord, signal: AbortSignal): Promise<boolean> {
    try {
      this.#lastWritten = await this.#store.write(record, signal);
      return true;
    } catch (error) {
      this.#lastWritten = undefined;
      if (isDomainError(error, 'Conflict')) return false;
      throw error;
    }
  }

  /** Gives the lease up so a successor takes over at once (graceful shutdown). */
  async release(signal: AbortSignal): Promise<void> {
    this.#lastWritten = undefined;
    const lease = await this.#store.find(signal);
    if (!lease || lease.holder !== this.#identity) return;
    try {
      await this.#store.write({ ...lease, holder: undefined, renewedAt: undefined, acquiredAt: undefined }, signal);
    } catch (error) {
      if (!isDomainError(error, 'Conflict')) throw error;
    }
  }
}

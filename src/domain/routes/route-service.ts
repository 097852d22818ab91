import { BatchQueue, type BatchItem } from '../../concurrency/batch-queue.js';
import { DomainError, isDomainError } from '../errors.js';
import type { RouteStore } from '../../ports/route-store.port.js';
import { applyRouteChange, type RouteChange, sameRoutes } from './route-allocation.js';
import { type OccupiedPorts, type PortPool, type Route, routesOf, type WantedRoute } from './route.js';

const MAX_SAVE_ATTEMPTS = 10;

/**
 * Reserves and releases proxy routes in the RouteStore.
 *
 * Changes that arrive while a save is in flight are merged into the next save,
 * so a burst of intercepts costs one load and one save per batch rather than
 * one per intercept, and intercepts in this process never conflict with each
 * other. Writers elsewhere are caught by the store's optimistic concurrency:
 * on Conflict the batch is replanned on a fresh load.
 */
export class RouteService {
  readonly #store: RouteStore;
  readonly #pool: PortPool;
  readonly #occupiedPorts: (signal: AbortSignal) => Promise<OccupiedPorts>;
  readonly #changes = new BatchQueue<RouteChange, Route[]>((batch, signal) => this.#saveBatch(batch, signal));

  /** `occupiedPorts`: the proxies that still exist (TunnelRouter.proxyPortOwners); their ports go to no other owner. */
  constructor(
    store: RouteStore,
    pool: PortPool,
    occupiedPorts: (signal: AbortSignal) => Promise<OccupiedPorts> = async () => new Map(),
  ) {
    this.#store = store;
    this.#pool = pool;
    this.#occupiedPorts = occupiedPorts;
  }

  get pool(): PortPool {
    return this.#pool;
  }

  /** Makes `owner` hold exactly the wanted routes; returns them with their proxy ports. */
  reserve(owner: string, wanted: readonly WantedRoute[], signal: AbortSignal): Promise<Route[]> {
    // Refused before it joins a batch: one request's bad name must not fail the others' save.
    if (owner.length > this.#store.maxOwnerLength) {
      return Promise.reject(
        new DomainError(
          'Invalid',
          `the name of the InterceptRequest or GefyraBridge is ${owner.length} characters long; its routes can only be stored ` +
            `for names of at most ${this.#store.maxOwnerLength} characters: bridge a workload or container with a shorter name`,
          {
            retryable: false,
            details: { reason: 'NameTooLong', length: owner.length, maximum: this.#store.maxOwnerLength },
          },
        ),
      );
    }
    return this.#changes.submit({ kind: 'reserve', owner, wanted }, signal);
  }

  /** Removes every route of `owner`; releasing nothing is fine. */
  async release(owner: string, signal: AbortSignal): Promise<void> {
    await this.#changes.submit({ kind: 'release', owner }, signal);
  }

  async routesOf(owner: string, signal: AbortSignal): Promise<Route[]> {
    return routesOf((await this.#store.load(signal)).routes, owner);
  }

  async all(signal: AbortSignal): Promise<readonly Route[]> {
    return (await this.#store.load(signal)).routes;
  }

  async #saveBatch(batch: readonly BatchItem<RouteChange, Route[]>[], signal: AbortSignal): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const outcomes = new Map<BatchItem<RouteChange, Route[]>, { routes: Route[] } | { error: unknown }>();
      try {
        // After a lost race, read what is really stored, not a cache that may lag.
        const [table, occupied] = await Promise.all([
          this.#store.load(signal, { fresh: attempt > 1 }),
          this.#occupiedPortsIfReserving(batch, signal),
        ]);
        let routes: Route[] = [...table.routes];
        for (const pending of batch) {
          try {
            routes = applyRouteChange(routes, pending.input, this.#pool, occupied);
            outcomes.set(pending, { routes: routesOf(routes, pending.input.owner) });
          } catch (error) {
            outcomes.set(pending, { error });
          }
        }
        if (!sameRoutes(routes, table.routes)) await this.#store.save(routes, table.version, signal);
      } catch (error) {
        if (isDomainError(error, 'Conflict') && attempt < MAX_SAVE_ATTEMPTS) continue;
        // The store refused the table: find whose change it was by saving each on its own.
        if (isDomainError(error, 'Invalid') && batch.length > 1) return this.#saveEachAlone(batch, signal);
        throw error; // the BatchQueue rejects the whole batch with it
      }
      for (const pending of batch) {
        const outcome = outcomes.get(pending);
        if (outcome && 'routes' in outcome) pending.resolve(outcome.routes);
        else pending.reject(outcome?.error);
      }
      return;
    }
  }

  async #saveEachAlone(batch: readonly BatchItem<RouteChange, Route[]>[], signal: AbortSignal): Promise<void> {
    for (const pending of batch) {
      try {
        await this.#saveBatch([pending], signal);
      } catch (error) {
        pending.reject(error);
      }
    }
  }

  /** Releases need no look at the proxies: only reservations hand out ports. */
  async #occupiedPortsIfReserving(
    batch: readonly BatchItem<RouteChange, Route[]>[],
    signal: AbortSignal,
  ): Promise<OccupiedPorts> {
    return batch.some((pending) => pending.input.kind === 'reserve') ? this.#occupiedPorts(signal) : new Map();
  }
}

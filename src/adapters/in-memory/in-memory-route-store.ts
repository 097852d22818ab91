import { conflict } from '../../domain/errors.js';
import type { Route } from '../../domain/routes/route.js';
import type { RouteStore, RouteTable } from '../../ports/route-store.port.js';

/**
 * A RouteStore in memory, with the same optimistic concurrency as the
 * ConfigMap-backed one, and a hook to make the next save lose a race.
 */
export class InMemoryRouteStore implements RouteStore {
  /** As long as a Kubernetes name may be. */
  readonly maxOwnerLength = 253;
  #routes: readonly Route[] = [];
  #version = 0;
  #conflictsToInject = 0;
  saves = 0;

  constructor(initial: readonly Route[] = []) {
    if (initial.length > 0) {
      this.#routes = [...initial];
      this.#version = 1;
    }
  }

  get routes(): readonly Route[] {
    return this.#routes;
  }

  /** The next `count` saves fail with Conflict, as if another writer got there first. */
  conflictOnNextSaves(count = 1): void {
    this.#conflictsToInject += count;
  }

  async load(): Promise<RouteTable> {
    return { routes: [...this.#routes], version: this.#version === 0 ? undefined : String(this.#version) };
  }

  async save(routes: readonly Route[], basedOn: string | undefined): Promise<RouteTable> {
    const current = this.#version === 0 ? undefined : String(this.#version);
    if (this.#conflictsToInject > 0) {
      this.#conflictsToInject -= 1;
      this.#version += 1;
      throw conflict('route table');
    }
    if (basedOn !== current) throw conflict('route table');
    this.#routes = [...routes];
    this.#version += 1;
    this.saves += 1;
    return { routes: [...routes], version: String(this.#version) };
  }
}

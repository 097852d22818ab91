import type { InterceptRequestStore } from '../../ports/intercept-request-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { TunnelRouter } from '../../ports/tunnel-provider.port.js';
import type { InterceptRequestRef } from '../intercept-request/intercept-request.js';
import type { RouteService } from '../routes/route-service.js';

export interface StandbyServiceDependencies {
  readonly requests: InterceptRequestStore;
  readonly routes: RouteService;
  readonly tunnel: TunnelRouter;
  readonly logger: Logger;
}

/**
 * The standby phase's start: every InterceptRequest that exists is taken up
 * where it stands (the runtime reconciles each), and routes whose request no
 * longer exists (its finalizer was removed by hand) are released, so that no
 * proxy port stays taken forever.
 */
export class StandbyService {
  readonly #deps: StandbyServiceDependencies;

  constructor(dependencies: StandbyServiceDependencies) {
    this.#deps = dependencies;
  }

  async existingRequests(signal: AbortSignal): Promise<InterceptRequestRef[]> {
    return (await this.#deps.requests.list(signal)).map(({ namespace, name }) => ({ namespace, name }));
  }

  /** Releases routes without a request; returns the owners whose routes were released. */
  async collectOrphanRoutes(signal: AbortSignal): Promise<string[]> {
    const { requests, routes, tunnel, logger } = this.#deps;
    const owners = new Set((await requests.list(signal)).map((request) => request.name));
    const orphans = (await routes.all(signal)).filter((route) => !owners.has(route.owner));
    const orphanOwners = [...new Set(orphans.map((route) => route.owner))];
    for (const owner of orphanOwners) await routes.release(owner, signal);
    if (orphans.length > 0) {
      logger.warn({ owners: orphanOwners, routes: orphans.length }, 'released routes of requests that no longer exist');
      if ((await tunnel.currentRevision(signal)) !== undefined) {
        await tunnel.loadRoutes({ present: [], absent: orphans }, signal);
      }
    }
    return orphanOwners;
  }
}

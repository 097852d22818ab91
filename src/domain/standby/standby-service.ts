import type { InterceptRequestStore } from '../../ports/intercept-request-store.port.js';
import type { Logger } from '../../ports/logger.port.js';
import type { TunnelRouter } from '../../ports/tunnel-provider.port.js';
import type { InterceptRequestRef } from '../intercept-request/intercept-request.js';
import type { Route } from '../routes/route.js';
import type { RouteService } from '../routes/route-service.js';

/** A proxy known only by its port and owner: enough for the tunnel to stop serving it. */
const leakedProxy = (owner: string, proxyPort: number): Route => ({
  owner,
  proxyPort,
  containerPort: 0,
  destination: { ip: '0.0.0.0', port: 0 },
});

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

  /**
   * Releases routes without a request, and removes proxies no route and no
   * request accounts for (a teardown interrupted between applying a proxy
   * and recording it); returns the owners whose routes or proxies went.
   */
  async collectOrphanRoutes(signal: AbortSignal): Promise<string[]> {
    const { requests, routes, tunnel, logger } = this.#deps;
    const owners = new Set((await requests.list(signal)).map((request) => request.name));
    const table = await routes.all(signal);
    const orphans = table.filter((route) => !owners.has(route.owner));
    const tabled = new Set(table.map((route) => route.proxyPort));
    const leaked = [...(await tunnel.proxyPortOwners(signal))]
      .filter(([port, owner]) => owner !== undefined && !owners.has(owner) && !tabled.has(port))
      .map(([proxyPort, owner]) => leakedProxy(owner as string, proxyPort));
    const orphanOwners = [...new Set(orphans.map((route) => route.owner))];
    for (const owner of orphanOwners) await routes.release(owner, signal);
    const gone = [...orphans, ...leaked];
    if (gone.length > 0) {
      logger.warn(
        { owners: [...new Set(gone.map((route) => route.owner))], routes: orphans.length, proxies: leaked.length },
        'released routes and proxies of requests that no longer exist',
      );
      if ((await tunnel.currentRevision(signal)) !== undefined) {
        await tunnel.loadRoutes({ present: [], absent: gone }, signal);
      }
    }
    return [...new Set(gone.map((route) => route.owner))];
  }
}

import { ContainerModule } from 'inversify';
import { CachedClusterApi } from '../adapters/cache/cached-cluster-api.js';
import type { SharedInformers } from '../adapters/cache/shared-informers.js';
import type { WatchSpec } from '../adapters/runtime/watch-source.js';
import type { Clock } from '../ports/clock.port.js';
import type { ClusterApi } from '../ports/cluster-api.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { RequesterStamps } from '../ports/requester-stamps.port.js';
import { RUNTIME, TOKENS } from '../tokens.js';
import { cachedKinds, tunnelWatchesOf } from './cached-kinds.js';

export interface PlatformParts {
  /** The cluster as the API serves it: Kubernetes in production, the in-memory cluster in tests. */
  readonly api: ClusterApi;
  /** The watches shared by the caches and the controllers. */
  readonly informers: SharedInformers;
  /** Serve reads of the cached kinds from watch caches; off for one-shot commands and tests that race the cache. */
  readonly cache: boolean;
  readonly namespace: string;
  /** Whether the credentials may watch a kind (the access plan): only those are cached. */
  readonly canWatch: (spec: WatchSpec) => boolean;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Where a webhook stamps requesters: how their stamps are verified. */
  readonly stamps?: RequesterStamps | undefined;
}

/**
 * What the domain and the runtime need from the platform: ClusterApi (read
 * from watch caches where allowed), Clock, Logger, the watch source and, where
 * requesters are stamped, their verifier. One module for production
 * (composition/kubernetes-composition.ts) and the in-memory operator
 * (src/testing/in-memory-operator.ts); they differ only in the parts.
 */
export function platformModule(parts: PlatformParts): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ClusterApi)
      .toDynamicValue((ctx) => {
        if (!parts.cache) return parts.api;
        const watchable = cachedKinds(parts.namespace, tunnelWatchesOf(ctx)).filter(parts.canWatch);
        return new CachedClusterApi(parts.api, parts.informers, watchable);
      })
      .inSingletonScope();
    bind(TOKENS.Clock).toConstantValue(parts.clock);
    bind(TOKENS.Logger).toConstantValue(parts.logger);
    bind(RUNTIME.WatchSource).toConstantValue(parts.informers);
    if (parts.stamps) bind(TOKENS.RequesterStamps).toConstantValue(parts.stamps);
  });
}

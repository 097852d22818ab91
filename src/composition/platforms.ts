import { ContainerModule } from 'inversify';
import type { Clock } from '../ports/clock.port.js';
import type { ClusterApi } from '../ports/cluster-api.port.js';
import type { Logger } from '../ports/logger.port.js';
import { TOKENS } from '../tokens.js';

/** A platform from ready-made instances: how tests and embedders run the operator on an in-memory cluster. */
export function instancePlatform(cluster: ClusterApi, clock: Clock, logger: Logger): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(TOKENS.ClusterApi).toConstantValue(cluster);
    bind(TOKENS.Clock).toConstantValue(clock);
    bind(TOKENS.Logger).toConstantValue(logger);
  });
}

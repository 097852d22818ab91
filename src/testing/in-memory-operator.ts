import type { Container } from 'inversify';
import { platformModule } from '../composition/platform-module.js';
import { InMemoryCluster } from '../adapters/in-memory/in-memory-cluster.js';
import { InMemoryWatchSource } from '../adapters/in-memory/in-memory-watch-source.js';
import { SharedInformers } from '../adapters/cache/shared-informers.js';
import { silentLogger } from '../adapters/system/pino-logger.js';
import { ManualClock } from '../adapters/system/manual-clock.js';
import { createOperatorContainer } from '../composition/container.js';
import { loadOperatorPlugins } from '../composition/plugin-registry.js';
import { resolve } from '../plugins/resolve.js';
import type { AccessPlan } from '../adapters/access/access-plan.js';
import { SERVICES } from '../tokens.js';
import { loadConfig, type OperatorConfig } from '../config.js';
import { guardEnvironment } from '../environment.js';
import {
  INTERCEPT_REQUEST_API_VERSION,
  INTERCEPT_REQUEST_KIND,
} from '../domain/intercept-request/intercept-request.js';
import type { ClusterApi } from '../ports/cluster-api.port.js';
import type { Logger } from '../ports/logger.port.js';
import type { RequesterStamps } from '../ports/requester-stamps.port.js';

export interface InMemoryOperatorOptions<Cluster extends InMemoryCluster = InMemoryCluster> {
  /**
   * The cluster to run on; a fresh InMemoryCluster with the operator's
   * namespace by default. Pods do not run by themselves there: add them with
   * `cluster.addPod`, or pass a cluster that runs them.
   */
  readonly cluster?: Cluster;
  /** The clock that cluster runs on; a fresh ManualClock by default. */
  readonly clock?: ManualClock;
  /** Operator environment (GEFYRA_* variables); the test defaults are small and fast. */
  readonly environment?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
  /** Lets a test stand between the operator and the cluster, e.g. to crash it after some calls. */
  readonly wrapClusterApi?: (cluster: ClusterApi) => ClusterApi;
  /**
   * Serve reads from watch caches as production does. Off by default: a test
   * that writes and at once reconciles would otherwise race the cache.
   */
  readonly cache?: boolean;
  /**
   * What the operator's credentials allow (composition/access-plan.ts): for
   * the operator under a narrower role, e.g. the Gefyra client's. Default:
   * the full deploy/ RBAC.
   */
  readonly access?: AccessPlan;
  /** Verifies requester stamps as the admission webhook makes them; none by default (no webhook stamps). */
  readonly requesterStamps?: RequesterStamps;
}

/** The whole operator composed on an in-memory cluster. */
export interface InMemoryOperator<Cluster extends InMemoryCluster = InMemoryCluster> {
  readonly cluster: Cluster;
  /** The cluster's and the operator's clock: advancing it also runs the runtime's timers (backoffs, resyncs, the heartbeat). */
  readonly clock: ManualClock;
  readonly container: Container;
  readonly config: OperatorConfig;
  readonly environment: Readonly<Record<string, string>>;
  /**
   * A fresh operator process on the same cluster and clock: what a crash and
   * restart leaves, or (with other environment, e.g. POD_NAME) a second replica.
   */
  restart(
    options?: Pick<InMemoryOperatorOptions, 'wrapClusterApi' | 'environment'>,
  ): Promise<InMemoryOperator<Cluster>>;
  /** Stops this operator's watches. */
  stop(): Promise<void>;
}

export const TEST_ENVIRONMENT: Readonly<Record<string, string>> = {
  GEFYRA_NAMESPACE: 'gefyra',
  // As `gefyra up` (0.13) sets it: the developer's Docker network, where bridges send traffic.
  GEFYRA_PEER_SUBNET: '172.18.0.0/16',
  GEFYRA_LEADER_ELECTION: 'false',
  GEFYRA_HEALTH_PORT: '0',
};

/**
 * Builds the operator exactly as production does (same composition root,
 * same plugins), on an in-memory cluster: for unit tests of the domain, of
 * plugins, and of code of your own, offline and in milliseconds.
 */
export async function createInMemoryOperator<Cluster extends InMemoryCluster = InMemoryCluster>(
  options: InMemoryOperatorOptions<Cluster> = {},
): Promise<InMemoryOperator<Cluster>> {
  const clock = options.clock ?? new ManualClock();
  const environment = { ...TEST_ENVIRONMENT, ...options.environment };
  const namespace = loadConfig(environment).namespace;
  const cluster = options.cluster ?? (new InMemoryCluster({ clock }) as Cluster);
  cluster.ensureNamespace(namespace);
  cluster.registerStatusSubresource(INTERCEPT_REQUEST_API_VERSION, INTERCEPT_REQUEST_KIND);
  return compose(
    {
      cluster,
      clock,
      environment,
      logger: options.logger ?? silentLogger,
      cache: options.cache ?? false,
      access: options.access,
      requesterStamps: options.requesterStamps,
    },
    options.wrapClusterApi,
  );
}

interface Parts<Cluster extends InMemoryCluster> {
  readonly cluster: Cluster;
  readonly clock: ManualClock;
  readonly environment: Readonly<Record<string, string>>;
  readonly logger: Logger;
  readonly cache: boolean;
  readonly access: AccessPlan | undefined;
  readonly requesterStamps: RequesterStamps | undefined;
}

async function compose<Cluster extends InMemoryCluster>(
  parts: Parts<Cluster>,
  wrap: ((cluster: ClusterApi) => ClusterApi) | undefined,
): Promise<InMemoryOperator<Cluster>> {
  const { cluster, clock, logger } = parts;
  // As in production: the composition reads each variable through its schema, never directly.
  const environment = guardEnvironment(parts.environment);
  const config = loadConfig(environment);
  const informers = new SharedInformers(new InMemoryWatchSource(cluster));
  const platform = platformModule({
    api: wrap ? wrap(cluster) : cluster,
    informers,
    cache: parts.cache,
    namespace: config.namespace,
    canWatch: (spec) => parts.access?.canWatch(spec) ?? true,
    clock,
    logger,
    stamps: parts.requesterStamps,
  });
  const container = await createOperatorContainer({
    config,
    environment,
    plugins: (await loadOperatorPlugins(config.plugins, environment)).plugins,
    platform,
    ...(parts.access ? { access: parts.access } : {}),
  });
  return {
    ...parts,
    container,
    config,
    restart: (options = {}) =>
      compose(
        options.environment ? { ...parts, environment: { ...parts.environment, ...options.environment } } : parts,
        options.wrapClusterApi,
      ),
    stop: () => informers.stop(),
  };
}

/** The domain services of a composed operator. */
export function servicesOf(operator: Pick<InMemoryOperator, 'container'>) {
  const { container } = operator;
  return {
    intercepts: resolve(container, SERVICES.InterceptService),
    boot: resolve(container, SERVICES.BootService),
    reset: resolve(container, SERVICES.ResetService),
    heartbeat: resolve(container, SERVICES.HeartbeatService),
    standby: resolve(container, SERVICES.StandbyService),
    routes: resolve(container, SERVICES.RouteService),
    leader: resolve(container, SERVICES.LeaderElection),
  };
}

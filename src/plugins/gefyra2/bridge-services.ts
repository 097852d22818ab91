import type { Subnet } from '../../domain/intercept/intercept-policy.js';
import type { CarrierInstaller } from '../../ports/carrier-installer.port.js';
import type { ClusterApi } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { EventRecorder } from '../../ports/event-recorder.port.js';
import type { Logger } from '../../ports/logger.port.js';
import { ClusterGefyra2ObjectStore } from './adapters/cluster-gefyra2-object-store.js';
import { ClusterGefyraClientStore } from './adapters/cluster-gefyra-client-store.js';
import { BridgeService } from './domain/bridge/bridge-service.js';
import { GEFYRA_BRIDGE_KIND, gefyraBridgeFrom } from './domain/bridge/gefyra-bridge.js';
import { bridgeMountFrom, GEFYRA_BRIDGE_MOUNT_KIND } from './domain/mount/bridge-mount.js';
import { MountCarriers } from './domain/mount/mount-carriers.js';
import { MountService, MOUNT_SERVICE_SETTINGS } from './domain/mount/mount-service.js';
import { MountWorkload } from './domain/mount/mount-workload.js';
import type { BridgeRoutes } from './ports/bridge-routes.port.js';

export interface BridgeServicesDependencies {
  readonly cluster: ClusterApi;
  /** The tunnel's side of bridges (Stowaway 2.x's proxy routes). */
  readonly routes: BridgeRoutes;
  /** Every loaded carrier; the one serving GefyraBridgeMounts is chosen per mount. */
  readonly installers: readonly CarrierInstaller[];
  readonly events: EventRecorder;
  readonly clock: Clock;
  /** The operator's logger; each service logs as its own component. */
  readonly logger: Logger;
}

export interface BridgeServicesSettings {
  /** GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD, in ms: how long a mount whose workload is gone stays MISSING. */
  readonly missingGracePeriodMs: number;
  /** GEFYRA_DESTINATION_SUBNETS; undefined when unset. */
  readonly destinationSubnets: readonly Subnet[] | undefined;
}

export interface BridgeServices {
  readonly mounts: MountService;
  readonly bridges: BridgeService;
}

/** The GefyraBridge objects of the cluster. */
export const gefyraBridgesOn = (cluster: ClusterApi) =>
  new ClusterGefyra2ObjectStore(cluster, GEFYRA_BRIDGE_KIND, gefyraBridgeFrom);

/**
 * The GefyraBridgeMount service and the GefyraBridge service on one cluster,
 * sharing its stores and the mounts' carriers: what gefyra2Module binds, and
 * what the tests and benchmarks that run the controllers in their own process
 * build, so that they run the operator's wiring and not a copy of it.
 */
export function bridgeServices(
  dependencies: BridgeServicesDependencies,
  settings: BridgeServicesSettings,
): BridgeServices {
  const { cluster, routes, logger } = dependencies;
  const mounts = new ClusterGefyra2ObjectStore(cluster, GEFYRA_BRIDGE_MOUNT_KIND, (object) =>
    bridgeMountFrom(object, settings.missingGracePeriodMs),
  );
  const bridges = gefyraBridgesOn(cluster);
  const common = {
    mounts,
    bridges,
    carriers: new MountCarriers({ workload: new MountWorkload(cluster), bridges, routes }),
    installers: dependencies.installers,
    events: dependencies.events,
    clock: dependencies.clock,
  };
  return {
    mounts: new MountService(
      { ...common, logger: logger.child({ component: 'gefyrabridgemount' }) },
      MOUNT_SERVICE_SETTINGS,
    ),
    bridges: new BridgeService(
      {
        ...common,
        clients: new ClusterGefyraClientStore(cluster),
        routes,
        logger: logger.child({ component: 'gefyrabridge' }),
      },
      { destinationSubnets: settings.destinationSubnets, progressRecheckMs: MOUNT_SERVICE_SETTINGS.progressRecheckMs },
    ),
  };
}

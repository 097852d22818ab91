import type { KubeConfig } from '@kubernetes/client-node';
import { SharedInformers } from '../../../src/adapters/cache/shared-informers.js';
import { KubernetesClusterApi, KubernetesWatchSource } from '../../../src/adapters/kubernetes/client/index.js';
import type { ControllerFactory, ControllerScope } from '../../../src/adapters/runtime/controller.js';
import { InterceptTracker } from '../../../src/adapters/runtime/intercept-tracker.js';
import { MetricsRegistry, operatorMetrics } from '../../../src/adapters/runtime/metrics.js';
import { OperatorPhase } from '../../../src/adapters/runtime/operator-phase.js';
import { ControllerRun } from '../../../src/adapters/runtime/controller-run.js';
import { FULL_RUNTIME_ACCESS } from '../../../src/adapters/runtime/manager.js';
import { createPinoLogger } from '../../../src/adapters/system/pino-logger.js';
import { systemClock } from '../../../src/adapters/system/system-clock.js';
import { createOperatorContainer } from '../../../src/composition/container.js';
import { platformModule } from '../../../src/composition/platform-module.js';
import { loadOperatorPlugins } from '../../../src/composition/plugin-registry.js';
import { loadConfig } from '../../../src/config.js';
import { RUNTIME } from '../../../src/tokens.js';

/** The variables the 2.5 client puts into the operator's Deployment (contract §1): they choose the Gefyra 2 contract. */
const GEFYRA25_CLIENT_ENVIRONMENT = {
  GEFYRA_STOWAWAY_IMAGE: 'quay.io/gefyra/stowaway',
  GEFYRA_CARRIER2_IMAGE: 'quay.io/gefyra/carrier2',
  GEFYRA_CARRIER2_IMAGE_TAG: '2.5.4',
} as const;

/** The controllers of GefyraBridgeMounts and GefyraBridges, as the 2.x operator registers them. */
const BRIDGE_CONTROLLERS = ['gefyrabridgemount', 'gefyrabridge'];

/**
 * The operator's mount and bridge controllers on the real API server of a
 * test file whose GefyraClient controller and Stowaway 2.x run already
 * (startGefyra2): composed by the operator's composition root from the 2.5
 * client's environment (the carrier2 plugin, Stowaway 2.x's proxy routes, the
 * mount and bridge services), each in a ControllerRun (its work queue fed by its
 * watches), as the runtime runs them. `stop` ends the runs.
 */
export async function startBridgeControllers(
  kubeConfig: KubeConfig,
  namespace: string,
): Promise<{ stop(): Promise<void> }> {
  const environment = { ...GEFYRA25_CLIENT_ENVIRONMENT, GEFYRA_NAMESPACE: namespace };
  const config = loadConfig(environment);
  const { plugins } = await loadOperatorPlugins(config.plugins, environment);
  const watches = new KubernetesWatchSource(kubeConfig);
  // Warnings (a failed reconcile, as the runtime logs it) go to stderr: a test that fails shows why.
  const log = createPinoLogger('warn', process.stderr);
  const container = await createOperatorContainer({
    config,
    environment,
    plugins,
    platform: platformModule({
      api: new KubernetesClusterApi(kubeConfig, 'gefyra-dataplane'),
      informers: new SharedInformers(watches),
      cache: false,
      namespace,
      canWatch: () => true,
      clock: systemClock,
      logger: log,
    }),
  });
  const metrics = operatorMetrics(
    new MetricsRegistry(),
    () => 0,
    () => 0,
    () => true,
  );
  const scope: ControllerScope = {
    phase: new OperatorPhase(),
    metrics,
    tracker: new InterceptTracker(),
    access: FULL_RUNTIME_ACCESS,
    logger: log,
  };
  const runs = container
    .getAll<ControllerFactory>(RUNTIME.Controllers)
    .map((create) => create(scope))
    .filter((controller) => BRIDGE_CONTROLLERS.includes(controller.name))
    .map(
      (controller) =>
        new ControllerRun(controller, {
          clock: systemClock,
          watches,
          access: FULL_RUNTIME_ACCESS,
          metrics,
          log,
          concurrency: 2,
          beforeReconcile: () => true,
        }),
    );
  if (runs.length !== BRIDGE_CONTROLLERS.length) throw new Error('the composed operator lacks the bridge controllers');
  await Promise.all(runs.map((run) => run.start()));
  return {
    stop: async () => {
      await Promise.all(runs.map((run) => run.stop()));
    },
  };
}

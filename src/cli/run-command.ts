import { HealthServer } from '../adapters/runtime/health-server.js';
import { composeForKubernetes } from '../composition/kubernetes-composition.js';
import { createOperatorRuntime } from '../composition/operator-runtime-factory.js';
import type { CliOutput } from './main.js';

/**
 * `gefyra-operator run`: the operator until SIGTERM or SIGINT. Shutdown
 * hands work back and releases the lease; it never resets the cluster.
 */
export async function runOperator(options: {
  environment: Readonly<Record<string, string | undefined>>;
  kubeconfig: string | undefined;
  io: CliOutput;
}): Promise<number> {
  const { container, config, logger, dispose } = await composeForKubernetes({ environment: options.environment, kubeconfig: options.kubeconfig });
  const { runtime, metrics } = createOperatorRuntime(container);
  const health = new HealthServer({ live: () => runtime.live(), ready: () => runtime.ready(), metrics: () => metrics.render() });
  const port = await health.listen(config.healthPort);
  logger.info({ namespace: config.namespace, healthPort: port, identity: config.identity }, 'gefyra-operator starting');

  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutting down: handing work back, releasing the lease');
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      void runtime
        .stop()
        .finally(() => dispose())
        .finally(() => health.close())
        .finally(() => resolve());
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
  await runtime.start();
  await stopped;
  return 0;
}

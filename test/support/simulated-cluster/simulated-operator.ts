import { ManualClock } from '../../../src/adapters/system/manual-clock.js';
import { loadConfig } from '../../../src/config.js';
import {
  createInMemoryOperator,
  TEST_ENVIRONMENT,
  type InMemoryOperator,
  type InMemoryOperatorOptions,
} from '../../../src/testing/in-memory-operator.js';
import { SimulatedCluster } from './simulated-cluster.js';
import { Carrier2Simulator } from './simulators/carrier2-simulator.js';
import { CarrierSimulator } from './simulators/carrier-simulator.js';
import { StowawaySimulator } from './simulators/stowaway-simulator.js';

export { servicesOf } from '../../../src/testing/in-memory-operator.js';

/** The whole operator on the simulated cluster, with the simulators that play Stowaway and Carrier. */
export interface SimulatedOperator extends InMemoryOperator<SimulatedCluster> {
  readonly stowaway: StowawaySimulator;
  readonly carrier: CarrierSimulator;
  readonly carrier2: Carrier2Simulator;
  restart(options?: Pick<InMemoryOperatorOptions, 'wrapClusterApi' | 'environment'>): Promise<SimulatedOperator>;
}

export type SimulatedOperatorOptions = Omit<InMemoryOperatorOptions, 'cluster' | 'clock'>;

/**
 * createInMemoryOperator on a SimulatedCluster: pods run, Deployments roll
 * out, and Stowaway's, Carrier's and carrier2's commands answer as the real images do.
 */
export async function createSimulatedOperator(options: SimulatedOperatorOptions = {}): Promise<SimulatedOperator> {
  const clock = new ManualClock();
  const namespace = loadConfig({ ...TEST_ENVIRONMENT, ...options.environment }).namespace;
  const cluster = new SimulatedCluster({ clock, namespaces: ['default', 'kube-system', namespace] });
  const stowaway = new StowawaySimulator({ readConfigMap: (ns, name) => cluster.readConfigMap(ns, name) });
  const carrier = new CarrierSimulator({
    containerIdOf: (target) => cluster.containerIdOf(target),
    restartContainer: (target) => cluster.restartContainer(target),
  });
  const carrier2 = new Carrier2Simulator();
  cluster.onExec(stowaway.handle);
  // Before Carrier's: carrier2 answers every command in its containers, whose image names Carrier's too.
  cluster.onExec(carrier2.handle);
  cluster.onExec(carrier.handle);
  return withSimulators(await createInMemoryOperator({ ...options, cluster, clock }), { stowaway, carrier, carrier2 });
}

function withSimulators(
  operator: InMemoryOperator<SimulatedCluster>,
  simulators: Pick<SimulatedOperator, 'stowaway' | 'carrier' | 'carrier2'>,
): SimulatedOperator {
  return {
    ...operator,
    ...simulators,
    restart: async (options) => withSimulators(await operator.restart(options), simulators),
  };
}

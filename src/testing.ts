/**
 * What users need to test their own logic and plugins offline: the in-memory
 * fakes of the ports (ClusterApi as an object tracker, RouteStore, the watch
 * source), a manual clock, and the whole operator composed on them. Pods do
 * not run by themselves in the in-memory cluster: `addPod` stores one as a
 * kubelet reports it running, and a test writes any later status itself.
 */
export * from './adapters/in-memory/index.js';
export { ManualClock } from './adapters/system/manual-clock.js';
export { silentLogger } from './adapters/system/pino-logger.js';
export {
  createInMemoryOperator,
  servicesOf,
  TEST_ENVIRONMENT,
  type InMemoryOperator,
  type InMemoryOperatorOptions,
} from './testing/in-memory-operator.js';

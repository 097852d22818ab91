/**
 * What users need to test their own logic and plugins offline: the in-memory
 * cluster with its simulated kubelet and the Stowaway/Carrier simulators, a
 * manual clock, and the whole operator composed on them.
 */
export * from './adapters/in-memory/index.js';
export { InMemoryWatchSource } from './adapters/in-memory/in-memory-watch-source.js';
export { ManualClock } from './adapters/system/manual-clock.js';
export { silentLogger } from './adapters/system/pino-logger.js';
export {
  createInMemoryOperator,
  servicesOf,
  TEST_ENVIRONMENT,
  type InMemoryOperator,
  type InMemoryOperatorOptions,
} from './testing/in-memory-operator.js';

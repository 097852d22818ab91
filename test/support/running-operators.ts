import { afterEach } from 'vitest';
import { createOperatorRuntime, type RunnableOperator } from '../../src/composition/operator-runtime-factory.js';
import type { ManualClock } from '../../src/adapters/system/manual-clock.js';
import type { SimulatedOperator } from './simulated-cluster/simulated-operator.js';

/**
 * Runtimes on the in-memory cluster for a test file: `start` runs one, every
 * one is stopped after each test.
 */
export function useRunningOperators(): { start(operator: SimulatedOperator): Promise<RunnableOperator> } {
  const running: RunnableOperator[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map(({ runtime }) => runtime.stop()));
  });
  return {
    start: async (operator) => {
      const runnable = createOperatorRuntime(operator.container);
      running.push(runnable);
      await runnable.runtime.start();
      return runnable;
    },
  };
}

/**
 * Lets watch events arrive and the queues drain until the condition holds.
 * Every round waits for the work in flight; with `time`, every round also
 * advances the operator's clock by `stepMs` (for conditions that follow a
 * timer of the runtime: a backoff, a recheck, the heartbeat).
 */
export async function until(
  runnable: RunnableOperator,
  condition: () => boolean | Promise<boolean>,
  rounds = 500,
  time?: { readonly clock: ManualClock; readonly stepMs: number },
): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    if (await condition()) return;
    if (time) await time.clock.advanceAsync(time.stepMs);
    else await new Promise((resolve) => setImmediate(resolve));
    await runnable.runtime.idle();
  }
  throw new Error('condition not reached');
}

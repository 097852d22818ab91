import { afterEach } from 'vitest';
import { createOperatorRuntime, type RunnableOperator } from '../../src/composition/operator-runtime-factory.js';
import type { InMemoryOperator } from '../../src/testing/in-memory-operator.js';

/**
 * Runtimes on the in-memory cluster for a test file: `start` runs one, every
 * one is stopped after each test.
 */
export function useRunningOperators(): { start(operator: InMemoryOperator): Promise<RunnableOperator> } {
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
 * Lets watch events arrive and the queue drain until the condition holds.
 * Every round waits for the work in flight; `pauseMs` is for conditions that
 * follow a periodic timer of the runtime (the heartbeat).
 */
export async function until(runnable: RunnableOperator, condition: () => boolean | Promise<boolean>, rounds = 500, pauseMs = 0): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    if (await condition()) return;
    await new Promise((resolve) => (pauseMs > 0 ? setTimeout(resolve, pauseMs) : setImmediate(resolve)));
    await runnable.runtime.idle();
  }
  throw new Error('condition not reached');
}

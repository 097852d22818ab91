import { beforeEach } from 'vitest';
import { forgetStartedOperatorProcesses, liveOperatorProcesses, startedOperatorProcesses } from './operator-process.js';

/** Each test starts with no operator process remembered; when one fails, the operators' own account of it (their last log lines) is printed. */
export function printOperatorLogsOnFailure(): void {
  beforeEach((context) => {
    forgetStartedOperatorProcesses();
    context.onTestFailed(() => {
      for (const operator of new Set([...liveOperatorProcesses, ...startedOperatorProcesses]))
        process.stderr.write(`${operator.describe(60)}\n`);
    });
  });
}

import { describe, expect, it } from 'vitest';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { countingClusterApi, type CallCounts } from '../../../../src/testing/counting-cluster-api.js';
import { createInMemoryOperator } from '../../../../src/testing/in-memory-operator.js';
import { addTarget, createRequest, deleteRequest, readRequest } from '../../../support/scenario.js';

const { start } = useRunningOperators();

const total = (counts: CallCounts) => Object.values(counts).reduce((sum, count) => sum + (count ?? 0), 0);
const READS = ['find', 'list', 'findPod', 'listPods'] as const;

/**
 * What the operator asks of the API server for one intercept, with reads
 * served from its watch caches as in production. The figures are printed; the
 * assertions pin what must hold whatever the count: no repeated reads.
 */
describe('API calls per intercept', () => {
  it('establish and remove a one-port intercept reading only what no watch covers', async () => {
    let api: ReturnType<typeof countingClusterApi> | undefined;
    const operator = await createInMemoryOperator({
      cache: true,
      wrapClusterApi: (cluster) => {
        api = countingClusterApi(cluster);
        return api;
      },
    });
    addTarget(operator);
    const runnable = await start(operator);
    await until(runnable, async () => runnable.runtime.ready());

    api!.reset();
    await createRequest(operator);
    await until(runnable, async () => (await readRequest(operator))?.['established'] === true);
    const establish = api!.counts();
    api!.reset();
    await deleteRequest(operator);
    await until(runnable, async () => (await readRequest(operator)) === undefined);
    const remove = api!.counts();

    console.log(`API calls to establish: ${total(establish)} ${JSON.stringify(establish)}; to remove: ${total(remove)} ${JSON.stringify(remove)}`);
    // The target pod is read once before it carries Carrier (and is watched); every other read comes from caches.
    expect(READS.map((read) => establish[read] ?? 0)).toEqual([0, 0, 1, 0]);
    // Removal reads the proxy Service once, fresh: it is deleted only if this request still owns it.
    expect(READS.map((read) => remove[read] ?? 0)).toEqual([1, 0, 0, 0]);
  });
});

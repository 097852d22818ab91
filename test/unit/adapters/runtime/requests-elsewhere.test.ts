import { describe, expect, it } from 'vitest';
import type { Manifest } from '../../../../src/ports/cluster-api.port.js';
import { createSimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { clientRequest } from '../../../support/intercept-request-fixtures.js';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { signal } from '../../../support/scenario.js';

const { start } = useRunningOperators();

// Issue 13, item 11: a request created outside the operator's namespace was ignored without a word.
describe('a request in another namespace', () => {
  it('is not served, and an Event next to it says why, once', async () => {
    const operator = await createSimulatedOperator();
    const runnable = await start(operator);
    await until(runnable, () => runnable.runtime.ready());

    await operator.cluster.create(
      clientRequest({}, { name: 'lost', namespace: 'default' }) as unknown as Manifest,
      signal,
    );
    const warnings = () =>
      operator.cluster
        .objects({ apiVersion: 'events.k8s.io/v1', kind: 'Event' })
        .filter((event) => event.metadata.namespace === 'default' && event['reason'] === 'NamespaceNotServed');
    await until(runnable, () => warnings().length > 0);

    expect(warnings().map((event) => [event['type'], event['note']])).toEqual([
      [
        'Warning',
        'this operator serves InterceptRequests in namespace gefyra only; this one is ignored (create it there)',
      ],
    ]);
    expect(
      operator.cluster.peek({
        apiVersion: 'gefyra.dev/v1',
        kind: 'InterceptRequest',
        namespace: 'default',
        name: 'lost',
      })?.metadata.finalizers,
    ).toBeUndefined();
  });
});

import { describe, expect, it } from 'vitest';
import { microTime } from '../../../../src/adapters/kubernetes/cluster-stores/cluster-event-recorder.js';
import { createSimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { addTarget, createRequest, readRequest, signal, TARGET } from '../../../support/scenario.js';

const { start } = useRunningOperators();
const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra', name: 'gefyra-operator' };

// Issue 13, item 11: a leader paused past its lease (while another replica
// took over) went on working after it resumed, until its next election tick.
describe('a leader whose lease ran out by its own clock', () => {
  it('starts no more work, and stops leading', async () => {
    const operator = await createSimulatedOperator({
      environment: { GEFYRA_LEADER_ELECTION: 'true', GEFYRA_LEASE_DURATION: '15', POD_NAME: 'paused' },
    });
    addTarget(operator);
    const runnable = await start(operator);
    await until(runnable, () => runnable.runtime.ready());

    // Paused for 16 s (no timer of its own ran meanwhile); meanwhile another replica took the lease.
    operator.clock.set(new Date(operator.clock.now().getTime() + 16_000));
    await operator.cluster.patch(
      LEASE,
      { spec: { holderIdentity: 'successor', renewTime: microTime(operator.clock.now()) } },
      signal,
    );
    await createRequest(operator);
    await until(runnable, () => !runnable.runtime.leading);

    expect((await readRequest(operator))?.['metadata']).not.toHaveProperty('finalizers');
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
  });
});

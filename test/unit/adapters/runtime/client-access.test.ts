import { describe, expect, it } from 'vitest';
import { GrantedAccess } from '../../../../src/adapters/access/granted-access.js';
import { planAccess } from '../../../../src/composition/access-plan.js';
import { createSimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { CLIENT_CLUSTER_ROLE_RULES } from '../../../support/client-cluster-role.js';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { addTarget, createRequest, deleteRequest, readRequest, signal } from '../../../support/scenario.js';

const { start } = useRunningOperators();

/**
 * The whole operator under the Gefyra client's ClusterRole, as the access
 * plan reads it: no watch on pods, ConfigMaps and Deployments, a ConfigMap
 * as leader lock, the status kept in an annotation. (The in-memory cluster
 * enforces no RBAC: the e2e suite `installed-by-client` does, on a real API server.)
 */
describe("the operator under the Gefyra client's ClusterRole", () => {
  it('leads on a ConfigMap lock, establishes and removes an intercept without pod events, and keeps its progress in an annotation', async () => {
    const operator = await createSimulatedOperator({
      cache: true,
      environment: { GEFYRA_LEADER_ELECTION: 'true', POD_NAME: 'operator-a' },
      access: planAccess(GrantedAccess.fromRules(CLIENT_CLUSTER_ROLE_RULES), 'gefyra'),
    });
    addTarget(operator);
    const runnable = await start(operator);
    await until(runnable, () => runnable.runtime.ready(), 500, { clock: operator.clock, stepMs: 10 });

    const lock = await operator.cluster.find(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra', name: 'gefyra-operator' },
      signal,
    );
    expect(JSON.parse(lock?.metadata.annotations?.['gefyra.dev/leader'] ?? '{}')).toMatchObject({
      holderIdentity: 'operator-a',
    });
    expect(
      await operator.cluster.find(
        { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra', name: 'gefyra-operator' },
        signal,
      ),
    ).toBeUndefined();

    await createRequest(operator);
    await until(runnable, async () => (await readRequest(operator))?.['established'] === true, 500, {
      clock: operator.clock,
      stepMs: 10,
    });
    const request = await readRequest(operator);
    expect(JSON.parse(request?.metadata.annotations?.['gefyra.dev/status'] ?? '{}')).toMatchObject({
      phase: 'Established',
    });
    expect(request?.['status']).toBeUndefined();

    await deleteRequest(operator);
    await until(runnable, async () => (await readRequest(operator)) === undefined, 500, {
      clock: operator.clock,
      stepMs: 10,
    });
  });
});

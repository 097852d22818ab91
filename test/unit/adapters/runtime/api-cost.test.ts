import { describe, expect, it } from 'vitest';
import { GrantedAccess } from '../../../../src/adapters/access/granted-access.js';
import type { AccessPlan } from '../../../../src/adapters/access/access-plan.js';
import { planAccess } from '../../../../src/composition/access-plan.js';
import { countingClusterApi, type CallCounts } from '../../../../src/testing/counting-cluster-api.js';
import { createSimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { CLIENT_CLUSTER_ROLE_RULES } from '../../../support/client-cluster-role.js';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { addTarget, createRequest, deleteRequest, readRequest } from '../../../support/scenario.js';

const { start } = useRunningOperators();

/** What the operator asks of the API server to establish, then to remove, one one-port intercept (probes handled). */
async function measure(access?: AccessPlan): Promise<{ establish: CallCounts; remove: CallCounts }> {
  let api: ReturnType<typeof countingClusterApi> | undefined;
  const operator = await createSimulatedOperator({
    cache: true,
    ...(access === undefined ? {} : { access }),
    wrapClusterApi: (cluster) => (api = countingClusterApi(cluster)),
  });
  addTarget(operator);
  const runnable = await start(operator);
  await until(runnable, async () => runnable.runtime.ready());

  // Each phase ends when the queue is idle, so the passes its own writes bring are counted in it.
  api!.reset();
  await createRequest(operator);
  await until(runnable, async () => (await readRequest(operator))?.['established'] === true);
  await runnable.runtime.idle();
  const establish = api!.counts();
  api!.reset();
  await deleteRequest(operator);
  await until(runnable, async () => (await readRequest(operator)) === undefined);
  await runnable.runtime.idle();
  return { establish, remove: api!.counts() };
}

// The writes and execs of one intercept, the same whatever the operator may watch.
const ESTABLISH_WRITES: CallCounts = {
  patch: 3, // the request: finalizer, `established`, status (the client's role: the status annotation)
  replace: 1, // the route ConfigMap, with the new route
  patchPod: 2, // the target: Carrier's record and image; Stowaway's pod: the annotation that makes it reload its routes
  apply: 1, // the proxy Service of the route
  create: 1, // the Established Event
  exec: 7, // Stowaway: ls, generate-proxyroutes.sh; Carrier: cat, setroute.sh, cat, setprobe.sh, cat
};
const REMOVE_WRITES: CallCounts = {
  patchPod: 2, // the target back to its image, the record removed; Stowaway's reload annotation
  replace: 1, // the route ConfigMap without the route
  remove: 1, // the proxy Service
  patch: 1, // the request's finalizer released
  create: 1, // the Restored Event
  exec: 2, // Stowaway: ls, generate-proxyroutes.sh
};

/**
 * The request budget of one intercept, asserted per phase and per ClusterApi
 * method as exact counts (the bench measures the same against the real API
 * server). `toEqual` on the whole record: one call more of any method, or of
 * a method not listed, fails the test; so does one fewer. A change that costs
 * or saves a request updates the figure here and the README's table.
 */
describe('API calls per intercept', () => {
  it('with the deploy/ RBAC: reads come from the watch caches except what no watch covers yet', async () => {
    const { establish, remove } = await measure();
    expect(establish).toEqual({
      ...ESTABLISH_WRITES,
      findPod: 1, // the target pod, read once before it carries Carrier's label (only such pods are watched)
    });
    expect(remove).toEqual({
      ...REMOVE_WRITES,
      find: 1, // the proxy Service, fresh: it is deleted only if this request still owns it
    });
  });

  it("under the Gefyra client's ClusterRole: without watch caches, each reconcile pass reads what it decides on", async () => {
    const { establish, remove } = await measure(
      planAccess(GrantedAccess.fromRules(CLIENT_CLUSTER_ROLE_RULES), 'gefyra'),
    );
    // Three passes: the first adds the finalizer, allocates the route and swaps the image; the second (brought
    // by the finalizer's write) configures Carrier and reports; the third (brought by the status write) finds
    // nothing to do. Each pass reads the target pod, the route ConfigMap, Stowaway's pods and the Services once.
    expect(establish).toEqual({
      ...ESTABLISH_WRITES,
      findPod: 3, // once per pass
      find: 4, // the route ConfigMap once per pass, and fresh once more before it is replaced
      listPods: 4, // Stowaway's pods once per pass, and once more to find the pod to tell of the new route
      list: 4, // the Services once per pass, and fresh once more before the proxy port is chosen
    });
    // One pass (brought by the deletion), then the request is gone.
    expect(remove).toEqual({
      ...REMOVE_WRITES,
      findPod: 2, // the pass's read, and the container's state fresh before the image is restored
      find: 3, // the pass's ConfigMap; fresh before it is replaced; the proxy Service's owner
      listPods: 2, // the pass's read; Stowaway's pod to tell of the removed route
      list: 1, // the pass's read of the Services
    });
  });
});

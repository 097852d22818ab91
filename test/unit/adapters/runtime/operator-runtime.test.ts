import { describe, expect, it } from 'vitest';
import {
  createSimulatedOperator,
  type SimulatedOperator,
} from '../../../support/simulated-cluster/simulated-operator.js';
import { DomainError } from '../../../../src/domain/errors.js';
import { until, useRunningOperators } from '../../../support/running-operators.js';
import { microTime } from '../../../../src/adapters/kubernetes/cluster-stores/cluster-event-recorder.js';
import {
  addTarget,
  createRequest,
  deleteRequest,
  readRequest,
  REQUEST,
  routeConfigMap,
  signal,
  TARGET,
} from '../../../support/scenario.js';

const LEASE = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace: 'gefyra', name: 'gefyra-operator' };
const REQUEST_OBJECT = { apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', namespace: REQUEST.namespace };

const { start } = useRunningOperators();

const established = (operator: SimulatedOperator, name?: string) => async () =>
  (await readRequest(operator, name))?.['established'] === true;

describe('the operator runtime (manager and controllers) on the in-memory cluster', () => {
  it('boots, becomes ready, and establishes a request the moment it is created', async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    const runnable = await start(operator);
    await until(runnable, () => runnable.runtime.ready());

    await createRequest(operator);
    await until(runnable, established(operator));

    expect(Object.values(routeConfigMap(operator))).toHaveLength(1);
    expect(runnable.metrics.render()).toMatch(/gefyra_operator_active_intercepts 1/);
    expect(runnable.metrics.render()).toMatch(
      /gefyra_operator_reconciles_total\{controller="intercept",result="done"\} \d+/,
    );
  });

  it('takes up existing requests on start and resets one that is deleted', async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    await createRequest(operator);
    const runnable = await start(operator);
    await until(runnable, established(operator));

    await deleteRequest(operator);
    await until(runnable, async () => (await readRequest(operator)) === undefined);

    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
    expect(runnable.metrics.render()).toMatch(/gefyra_operator_intercept_duration_seconds_count\{phase="remove"\} 1/);
  });

  it('stopping hands work back and resets nothing', async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    await createRequest(operator);
    const runnable = await start(operator);
    await until(runnable, established(operator));

    await runnable.runtime.stop();

    expect(runnable.runtime.live()).toBe(false);
    expect(await readRequest(operator)).toMatchObject({ established: true });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toMatch(/carrier/);
    expect(
      operator.cluster.peek({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'gefyra',
        name: 'gefyra-stowaway',
      }),
    ).toBeDefined();
  });

  it('with two replicas, only the leader acts; the other takes over when the leader steps down', async () => {
    const environment = { GEFYRA_LEADER_ELECTION: 'true', GEFYRA_LEASE_DURATION: '15' };
    const first = await createSimulatedOperator({ environment: { ...environment, POD_NAME: 'operator-a' } });
    addTarget(first);
    const leader = await start(first);
    await until(leader, () => leader.runtime.ready());
    const follower = await start(await first.restart({ environment: { POD_NAME: 'operator-b' } }));
    await until(follower, () => follower.runtime.ready());
    expect(follower.runtime.leading).toBe(false);

    await createRequest(first);
    await until(leader, established(first));
    expect(follower.runtime.queueDepth()).toBe(0);

    await leader.runtime.stop();
    await until(follower, () => follower.runtime.leading);
    await deleteRequest(first);
    await until(follower, async () => (await readRequest(first)) === undefined);
  });

  it('judges a request refused as AlreadyIntercepted again the moment the request holding the container goes (issue 18, item 8)', async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    const runnable = await start(operator);
    await createRequest(operator);
    await until(runnable, established(operator));
    await createRequest(operator, {}, 'second');
    const reasonOfSecond = async () =>
      ((await readRequest(operator, 'second'))?.['status'] as { reason?: string } | undefined)?.reason;
    await until(runnable, async () => (await reasonOfSecond()) === 'AlreadyIntercepted');

    await deleteRequest(operator);

    // The clock stands still: no resync, no requeue; only the watch events can bring this.
    await until(runnable, established(operator, 'second'));
    expect(operator.cluster.peekPod(TARGET)?.annotations).toMatchObject({
      'carrier.gefyra.dev/web': expect.stringContaining('gefyra/second'),
    });
  });

  it('a replica that lost the lead says it stands by and reports no intercept count of its own (issue 18, item 8)', async () => {
    const operator = await createSimulatedOperator({
      environment: { GEFYRA_LEADER_ELECTION: 'true', GEFYRA_LEASE_DURATION: '15', POD_NAME: 'operator-a' },
    });
    addTarget(operator);
    const runnable = await start(operator);
    await createRequest(operator);
    await until(runnable, established(operator));
    expect(runnable.metrics.render()).toMatch(/^gefyra_operator_leader 1$/m);
    expect(runnable.metrics.render()).toMatch(/^gefyra_operator_active_intercepts 1$/m);

    // Paused past its lease while another replica took it; the next piece of work finds out.
    operator.clock.set(new Date(operator.clock.now().getTime() + 16_000));
    await operator.cluster.patch(
      LEASE,
      { spec: { holderIdentity: 'operator-b', renewTime: microTime(operator.clock.now()) } },
      signal,
    );
    await operator.cluster.patch(
      { ...REQUEST_OBJECT, name: REQUEST.name },
      { metadata: { annotations: { touched: 'yes' } } },
      signal,
    );
    await until(runnable, () => !runnable.runtime.leading);

    const standby = runnable.metrics.render();
    expect(standby).toMatch(/^gefyra_operator_leader 0$/m);
    expect(standby).not.toMatch(/^gefyra_operator_active_intercepts /m);

    // The other leader ended the intercept meanwhile; leading again, this replica counts what is there now.
    await operator.cluster.patch({ ...REQUEST_OBJECT, name: REQUEST.name }, { metadata: { finalizers: null } }, signal);
    await deleteRequest(operator);
    await until(runnable, () => runnable.runtime.leading, 100, { clock: operator.clock, stepMs: 1000 });
    expect(runnable.metrics.render()).toMatch(/^gefyra_operator_active_intercepts 0$/m);
  });

  it('loads every request’s routes again when the tunnel restarts (its pods, as its plugin names them, are watched)', async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    await createRequest(operator);
    const runnable = await start(operator);
    await until(runnable, established(operator));
    const [tunnelPod] = await operator.cluster.listPods('gefyra', { app: 'stowaway' }, signal);
    const loadsBefore = operator.stowaway.generateRuns.length;

    operator.cluster.restartContainer({ namespace: 'gefyra', name: tunnelPod!.name, container: 'stowaway' });

    await until(runnable, () => operator.stowaway.generateRuns.length > loadsBefore);
    expect(operator.stowaway.servedRoutes).toEqual(routeConfigMap(operator));
  });

  it('resets the cluster when the client’s connection is lost', async () => {
    const operator = await createSimulatedOperator({
      environment: { GEFYRA_HEARTBEAT_INTERVAL: '1', GEFYRA_CONNECTION_TIMEOUT: '60' },
    });
    addTarget(operator);
    await createRequest(operator);
    const runnable = await start(operator);
    await until(runnable, established(operator));

    operator.stowaway.setLatestHandshake(operator.clock.now().getTime() / 1000 - 61);
    await until(
      runnable,
      () => operator.cluster.peek({ apiVersion: 'v1', kind: 'Namespace', name: 'gefyra' }) === undefined,
      100,
      { clock: operator.clock, stepMs: 500 },
    );

    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
    expect(runnable.runtime.ready()).toBe(false);
  });
});

describe('the operator runtime: a request whose Carrier step keeps failing', () => {
  it('retries it with growing delays although every failed pass writes its status (watch events)', async () => {
    const operator = await createSimulatedOperator();
    addTarget(operator);
    // Carrier never gets setroute.sh: each pass reads the config, finds no route, and fails.
    const planned = 1000;
    for (let fault = 0; fault < planned; fault++) {
      operator.cluster.failNext(
        'exec',
        new DomainError('Unavailable', 'error dialing backend: EOF'),
        ([, command]) => (command as string[])[2] === 'setroute.sh',
      );
    }
    const runnable = await start(operator);
    await until(runnable, () => runnable.runtime.ready());
    await createRequest(operator);

    const attempts = () => planned - operator.cluster.pendingFaults;
    await operator.clock.advanceAsync(30_000);
    const status = (await readRequest(operator))?.['status'] as { failingStep?: { step: string; attempts: number } };

    // Backoff from 200 ms, doubling, ±20% jitter: at most 9 passes in 30 s. The issue saw 82.
    expect(attempts()).toBeGreaterThanOrEqual(5);
    expect(attempts()).toBeLessThanOrEqual(9);
    expect(status.failingStep).toEqual({ step: 'configureCarrier', attempts: attempts() });
  });
});

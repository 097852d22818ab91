import { describe, expect, it } from 'vitest';
import { crashingClusterApi } from '../../../../src/testing/crashing-cluster-api.js';
import { servicesOf, type SimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import {
  addTarget,
  bootedOperator,
  createRequest,
  deleteRequest,
  proxyServices,
  readRequest,
  REQUEST,
  routeConfigMap,
  settle,
  signal,
  TARGET,
} from '../../../support/scenario.js';

/**
 * The operator killed before every single API call of a lifecycle, then
 * started again from nothing but the cluster: every request converges, no step
 * that changes the world is done twice, nothing is leaked.
 */

/**
 * Runs `phase` on an operator that dies before call `crashAt`; true if it
 * died. (A crash on a best-effort call, an Event, is swallowed like the
 * Event's own failures: the phase then returns, but the process is dead all
 * the same.)
 */
async function crashDuring(
  operator: SimulatedOperator,
  crashAt: number,
  phase: (op: SimulatedOperator) => Promise<unknown>,
): Promise<boolean> {
  let api: ReturnType<typeof crashingClusterApi> | undefined;
  const crashing = await operator.restart({
    wrapClusterApi: (cluster) => {
      api = crashingClusterApi(cluster, crashAt);
      return api;
    },
  });
  await phase(crashing).catch((error: unknown) => expect(String(error)).toMatch(/simulated crash/));
  return api?.crashed ?? false;
}

/** How many ClusterApi calls a clean run of `phase` makes. */
async function callsOf(
  operator: SimulatedOperator,
  phase: (op: SimulatedOperator) => Promise<unknown>,
): Promise<number> {
  let api: ReturnType<typeof crashingClusterApi> | undefined;
  const measured = await operator.restart({
    wrapClusterApi: (cluster) => {
      api = crashingClusterApi(cluster);
      return api;
    },
  });
  await phase(measured);
  return api?.calls ?? 0;
}

function expectEstablishedOnce(operator: SimulatedOperator) {
  const pod = operator.cluster.peekPod(TARGET)!;
  expect(pod.containers[0]?.image).toMatch(/carrier/);
  // One image swap, one container restart: Carrier was never installed twice.
  expect(pod.containerStatuses[0]?.restartCount).toBe(1);
  expect(Object.values(routeConfigMap(operator))).toEqual(['172.18.0.3:8000,10000']);
  expect(proxyServices(operator)).toEqual(['gefyra-stowaway-proxy-10000']);
  expect(operator.stowaway.servedRoutes).toEqual(routeConfigMap(operator));
  expect(operator.carrier.configurationOf(TARGET)?.routes).toEqual([
    { containerPort: 8080, upstream: 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' },
  ]);
  // Each script ran once in this container: its config holds each block once.
  expect(operator.carrier.configurationOf(TARGET)?.configText.split('upstream stowaway-8080 ')).toHaveLength(2);
  expect(operator.carrier.configurationOf(TARGET)?.configText.split('listen 8081 default;')).toHaveLength(2);
}

function expectNothingLeft(operator: SimulatedOperator) {
  const pod = operator.cluster.peekPod(TARGET)!;
  expect(pod.containers[0]?.image).toBe('shop/web:1.0');
  expect(Object.keys(pod.annotations).filter((key) => key.includes('gefyra'))).toEqual([]);
  expect(Object.keys(pod.labels).filter((key) => key.includes('gefyra'))).toEqual([]);
  expect(routeConfigMap(operator)).toEqual({});
  expect(proxyServices(operator)).toEqual([]);
  expect(operator.stowaway.servedRoutes ?? {}).toEqual({});
}

async function prepared(): Promise<SimulatedOperator> {
  const operator = await bootedOperator();
  addTarget(operator);
  await createRequest(operator);
  return operator;
}

describe('crash recovery', () => {
  it('converges after a crash before any call of establishing an intercept', async () => {
    const total = await callsOf(await prepared(), settle);
    expect(total).toBeGreaterThan(5);
    for (let crashAt = 1; crashAt <= total; crashAt++) {
      const operator = await prepared();
      expect(await crashDuring(operator, crashAt, settle)).toBe(true);

      const restarted = await operator.restart();
      await settle(restarted);

      expect((await readRequest(restarted))?.['established'], `crash before call ${crashAt}`).toBe(true);
      expectEstablishedOnce(restarted);
    }
  });

  it('converges after a crash before any call of ending an intercept', async () => {
    const establishedThenDeleted = async () => {
      const operator = await prepared();
      await settle(operator);
      await deleteRequest(operator);
      return operator;
    };
    const total = await callsOf(await establishedThenDeleted(), settle);
    expect(total).toBeGreaterThan(5);
    for (let crashAt = 1; crashAt <= total; crashAt++) {
      const operator = await establishedThenDeleted();
      expect(await crashDuring(operator, crashAt, settle)).toBe(true);

      const restarted = await operator.restart();
      await settle(restarted);

      expect(await readRequest(restarted), `crash before call ${crashAt}`).toBeUndefined();
      expectNothingLeft(restarted);
    }
  });

  it('converges after a crash before any call of rolling back a failed intercept', async () => {
    const timingOut = async () => {
      const operator = await prepared();
      operator.cluster.failImagePull(/carrier/);
      expect(await servicesOf(operator).intercepts.reconcile(REQUEST, signal)).toMatchObject({ done: false });
      operator.clock.advance(61_000);
      return operator;
    };
    const total = await callsOf(await timingOut(), settle);
    expect(total).toBeGreaterThan(5);
    for (let crashAt = 1; crashAt <= total; crashAt++) {
      const operator = await timingOut();
      expect(await crashDuring(operator, crashAt, settle)).toBe(true);

      const restarted = await operator.restart();
      await settle(restarted);

      expect((await readRequest(restarted))?.['status'], `crash before call ${crashAt}`).toMatchObject({
        phase: 'Failed',
        reason: 'CarrierStartTimeout',
      });
      expectNothingLeft(restarted);
    }
  });
});

import { describe, expect, it } from 'vitest';
import { crashingClusterApi } from '../../../../src/testing/crashing-cluster-api.js';
import { servicesOf, type SimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { installManifests } from '../../../../src/install/install-manifests.js';
import {
  addTarget,
  bootedOperator,
  createRequest,
  proxyServices,
  readRequest,
  routeConfigMap,
  settle,
  signal,
  TARGET,
} from '../../../support/scenario.js';

async function withTwoIntercepts(): Promise<SimulatedOperator> {
  const operator = await bootedOperator();
  // The operator's own installation, as deploy/ creates it (the namespace exists already).
  for (const manifest of installManifests({ namespace: 'gefyra', image: 'gefyra-operator:test' }).filter(
    (m) => m.kind !== 'Namespace',
  )) {
    await operator.cluster.apply(manifest, signal);
  }
  addTarget(operator);
  addTarget(operator, { name: 'web-2' });
  await createRequest(operator);
  await createRequest(operator, { targetPod: 'web-2' }, 'second');
  await settle(operator);
  await settle(operator, 'second');
  return operator;
}

function expectClusterAsBeforeGefyra(operator: SimulatedOperator) {
  for (const name of [TARGET.name, 'web-2']) {
    const pod = operator.cluster.peekPod({ namespace: TARGET.namespace, name })!;
    expect(pod.containers[0]?.image).toBe('shop/web:1.0');
    expect(Object.keys(pod.annotations).filter((key) => key.includes('gefyra'))).toEqual([]);
  }
  const gone = (apiVersion: string, kind: string, name: string, namespace?: string) =>
    expect(
      operator.cluster.peek({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) }),
      `${kind} ${name}`,
    ).toBeUndefined();
  gone('v1', 'Namespace', 'gefyra');
  gone('apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'interceptrequests.gefyra.dev');
  gone('rbac.authorization.k8s.io/v1', 'ClusterRole', 'gefyra-operator');
  gone('rbac.authorization.k8s.io/v1', 'ClusterRoleBinding', 'gefyra-operator');
  expect(operator.cluster.objects({ apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest' })).toEqual([]);
  expect(
    operator.cluster
      .objects({ apiVersion: 'v1', kind: 'Service' })
      .filter((service) => service.metadata.namespace === 'gefyra'),
  ).toEqual([]);
}

describe('ResetService', () => {
  it('ends every intercept, removes every component and the operator itself', async () => {
    const operator = await withTwoIntercepts();

    await servicesOf(operator).reset.reset('requested by a test', { removeOperator: true }, signal);

    expectClusterAsBeforeGefyra(operator);
  });

  it('keeps the operator when asked to, and leaves nothing of Gefyra else', async () => {
    const operator = await withTwoIntercepts();

    await servicesOf(operator).reset.reset('requested by a test', { removeOperator: false }, signal);

    expect(await readRequest(operator)).toBeUndefined();
    expect(routeConfigMap(operator)).toEqual({});
    expect(proxyServices(operator)).toEqual([]);
    expect(
      operator.cluster.peek({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'gefyra',
        name: 'gefyra-stowaway',
      }),
    ).toBeUndefined();
    expect(
      operator.cluster.peek({ apiVersion: 'v1', kind: 'Secret', namespace: 'gefyra', name: 'gefyra-cargo-connection' }),
    ).toBeUndefined();
    expect(
      operator.cluster.peek({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        namespace: 'gefyra',
        name: 'gefyra-operator',
      }),
    ).toBeDefined();
  });

  it('records the decision first, so a reset interrupted by a crash is finished after a restart', async () => {
    for (const crashAt of [3, 8, 15, 25]) {
      const operator = await withTwoIntercepts();
      const crashing = await operator.restart({ wrapClusterApi: (cluster) => crashingClusterApi(cluster, crashAt) });
      await expect(
        servicesOf(crashing).reset.reset('connection lost', { removeOperator: true }, signal),
      ).rejects.toThrow();

      const restarted = await operator.restart();
      const boot = await servicesOf(restarted).boot.reconcile(signal);
      expect(boot, `crash before call ${crashAt}`).toEqual({ state: 'resetPending', reason: 'connection lost' });
      await servicesOf(restarted).reset.reset('ignored: the recorded reason stands', { removeOperator: true }, signal);

      expectClusterAsBeforeGefyra(restarted);
    }
  });
});

describe('HeartbeatService', () => {
  const check = (operator: SimulatedOperator) => servicesOf(operator).heartbeat.check(signal);
  const ledger = (operator: SimulatedOperator) =>
    operator.cluster.peek({ apiVersion: 'v1', kind: 'ConfigMap', namespace: 'gefyra', name: 'gefyra-operator-reset' });
  const secondsAgo = (operator: SimulatedOperator, seconds: number) => operator.clock.now().getTime() / 1000 - seconds;

  it('never judges a client lost before its first handshake', async () => {
    const operator = await bootedOperator();
    operator.clock.advance(86_400_000);
    expect(await check(operator)).toEqual({ state: 'neverConnected' });
    expect(ledger(operator)).toBeUndefined();
  });

  it('keeps a connection with a recent handshake alive', async () => {
    const operator = await bootedOperator();
    operator.stowaway.setLatestHandshake(secondsAgo(operator, 170));
    expect(await check(operator)).toMatchObject({ state: 'alive', ageMs: 170_000 });
  });

  it('records a reset when the handshake is older than the timeout, with the reason', async () => {
    const operator = await bootedOperator();
    operator.stowaway.setLatestHandshake(secondsAgo(operator, 601));

    expect(await check(operator)).toMatchObject({ state: 'lost' });

    expect(ledger(operator)?.['data']).toMatchObject({
      reason: expect.stringMatching(
        /connection to the Gefyra client lost: no WireGuard handshake since .* \(601s, more than the 600s allowed\)/,
      ),
    });
    expect(await servicesOf(await operator.restart()).boot.reconcile(signal)).toMatchObject({ state: 'resetPending' });
  });

  it('does nothing when disabled', async () => {
    const operator = await bootedOperator({ environment: { GEFYRA_CONNECTION_TIMEOUT: '0' } });
    operator.stowaway.setLatestHandshake(1);
    expect(await check(operator)).toEqual({ state: 'disabled' });
  });

  it('an operator restart is no reason for a reset', async () => {
    const operator = await bootedOperator();
    operator.stowaway.setLatestHandshake(secondsAgo(operator, 30));
    const restarted = await operator.restart();
    expect(await servicesOf(restarted).boot.reconcile(signal)).toEqual({ state: 'ready' });
    expect(await check(restarted)).toMatchObject({ state: 'alive' });
    expect(ledger(restarted)).toBeUndefined();
  });
});

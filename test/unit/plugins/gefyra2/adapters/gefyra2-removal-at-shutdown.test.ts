import { describe, expect, it } from 'vitest';
import { Stowaway2Simulator } from '../../../../support/simulated-cluster/simulators/stowaway2-simulator.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
  gefyraClientFrom,
} from '../../../../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import type { Manifest } from '../../../../../src/ports/cluster-api.port.js';
import {
  createSimulatedOperator,
  type SimulatedOperator,
} from '../../../../support/simulated-cluster/simulated-operator.js';
import { until, useRunningOperators } from '../../../../support/running-operators.js';
import { signal } from '../../../../support/scenario.js';

const { start } = useRunningOperators();

const OPERATOR_DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  namespace: 'gefyra',
  name: 'gefyra-operator',
} as const;
const ref = (name: string) => ({
  apiVersion: GEFYRA_CLIENT_API_VERSION,
  kind: GEFYRA_CLIENT_KIND,
  namespace: 'gefyra',
  name,
});
const names = (operator: SimulatedOperator, apiVersion: string, kind: string) =>
  operator.cluster.objects({ apiVersion, kind }).map((object: Manifest) => object.metadata.name);

/** A 2.x operator run by its own Deployment (as the 2.5 client runs it), serving one connected client with its account. */
async function deployedGefyra2OperatorWithClient(): Promise<{
  operator: SimulatedOperator;
  stop: () => Promise<void>;
}> {
  const operator = await createSimulatedOperator({ environment: { GEFYRA_CLIENT_CONTRACT: '2' } });
  const { cluster } = operator;
  cluster.onExec(
    new Stowaway2Simulator({ readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name) }).handle,
  );
  const labels = { app: 'gefyra-operator' };
  await cluster.create(
    {
      ...OPERATOR_DEPLOYMENT,
      metadata: { name: OPERATOR_DEPLOYMENT.name, namespace: OPERATOR_DEPLOYMENT.namespace, labels },
      spec: {
        replicas: 0,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers: [{ name: 'gefyra', image: 'operator' }] } },
      },
    },
    signal,
  );
  const runnable = await start(operator);
  await cluster.create(
    { ...ref('dev-a'), metadata: { name: 'dev-a', namespace: 'gefyra' }, provider: 'stowaway' },
    signal,
  );
  const token = { apiVersion: 'v1', kind: 'Secret', namespace: 'gefyra', name: 'gefyra-client-dev-a-token' } as const;
  // No token controller in memory: its write, by hand.
  await until(runnable, () => cluster.peek(token) !== undefined);
  await cluster.patch(token, { data: { token: 'dG9rZW4=', 'ca.crt': 'Y2E=', namespace: 'Z2VmeXJh' } }, signal);
  const client = () => {
    const object = cluster.peek(ref('dev-a'));
    return object && gefyraClientFrom(object);
  };
  await until(runnable, () => client()?.state === 'WAITING');
  await cluster.patch(ref('dev-a'), { providerParameter: { subnet: '172.18.0.0/16' } }, signal);
  await until(runnable, () => client()?.state === 'ACTIVE');
  return { operator, stop: () => runnable.runtime.stop() };
}

describe('shutdown of a 2.x operator run by its Deployment', () => {
  it('a restart (SIGTERM with the Deployment still there) removes nothing', async () => {
    const { operator, stop } = await deployedGefyra2OperatorWithClient();
    await stop();
    expect(operator.cluster.peek(ref('dev-a'))).toBeDefined();
    expect(names(operator, 'apps/v1', 'StatefulSet')).toEqual(['gefyra-stowaway']);
    expect(names(operator, 'v1', 'ServiceAccount')).toContain('gefyra-client-dev-a');
    expect(names(operator, 'rbac.authorization.k8s.io/v1', 'ClusterRole')).toContain('gefyra-client');
  });

  it(
    'a removal (its Deployment deleted, then SIGTERM) removes the client with its peer and account, ' +
      'Stowaway 2.x and the gefyra-client role it made',
    async () => {
      const { operator, stop } = await deployedGefyra2OperatorWithClient();
      await operator.cluster.remove(OPERATOR_DEPLOYMENT, signal);
      await stop();
      expect(operator.cluster.peek(ref('dev-a'))).toBeUndefined();
      expect(names(operator, 'apps/v1', 'StatefulSet')).toEqual([]);
      expect(names(operator, 'v1', 'PersistentVolumeClaim')).toEqual([]);
      expect(names(operator, 'v1', 'ConfigMap').filter((name) => name.startsWith('gefyra-stowaway'))).toEqual([]);
      expect(names(operator, 'v1', 'Service')).toEqual([]);
      expect(names(operator, 'v1', 'ServiceAccount').filter((name) => name.startsWith('gefyra-'))).toEqual([]);
      expect(names(operator, 'v1', 'Secret').filter((name) => name.startsWith('gefyra-client'))).toEqual([]);
      expect(names(operator, 'rbac.authorization.k8s.io/v1', 'ClusterRoleBinding')).toEqual([]);
      expect(names(operator, 'rbac.authorization.k8s.io/v1', 'ClusterRole')).not.toContain('gefyra-client');
    },
  );
});

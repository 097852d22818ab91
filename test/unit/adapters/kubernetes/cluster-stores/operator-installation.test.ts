import { describe, expect, it } from 'vitest';
import { resolve } from '../../../../../src/plugins/resolve.js';
import { TOKENS } from '../../../../../src/tokens.js';
import {
  createSimulatedOperator,
  type SimulatedOperator,
} from '../../../../support/simulated-cluster/simulated-operator.js';
import { CLIENT_CLUSTER_ROLE_RULES } from '../../../../support/client-cluster-role.js';
import { signal } from '../../../../support/scenario.js';

const RBAC = 'rbac.authorization.k8s.io/v1';
const role = (name: string) => ({ apiVersion: RBAC, kind: 'ClusterRole', name });
const binding = (name: string) => ({ apiVersion: RBAC, kind: 'ClusterRoleBinding', name });

async function bind(
  operator: SimulatedOperator,
  name: string,
  roleName: string,
  subject: { name: string; namespace: string },
): Promise<void> {
  await operator.cluster.create(
    {
      apiVersion: RBAC,
      kind: 'ClusterRoleBinding',
      metadata: { name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: roleName },
      subjects: [{ kind: 'ServiceAccount', ...subject }],
    },
    signal,
  );
}

const createRole = (operator: SimulatedOperator, name: string) =>
  operator.cluster.create(
    { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name }, rules: CLIENT_CLUSTER_ROLE_RULES },
    signal,
  );

describe('removing the operator installation', () => {
  it(
    'finds the ClusterRole and binding that grant its ServiceAccount by their subjects ' +
      "(the Gefyra client's names), and leaves shared and built-in roles",
    async () => {
      const operator = await createSimulatedOperator();
      await createRole(operator, 'gefyra-operator-role');
      await bind(operator, 'gefyra-operator-rolebinding', 'gefyra-operator-role', {
        name: 'gefyra-operator',
        namespace: 'gefyra',
      });
      await createRole(operator, 'view');
      await bind(operator, 'gefyra-operator-can-view', 'view', { name: 'gefyra-operator', namespace: 'gefyra' });
      await createRole(operator, 'shared');
      await bind(operator, 'gefyra-operator-shared', 'shared', { name: 'gefyra-operator', namespace: 'gefyra' });
      await bind(operator, 'someone-else-shared', 'shared', { name: 'someone', namespace: 'elsewhere' });

      await resolve(operator.container, TOKENS.OperatorInstallation).uninstall(signal);

      expect(operator.cluster.peek(role('gefyra-operator-role'))).toBeUndefined();
      expect(operator.cluster.peek(binding('gefyra-operator-rolebinding'))).toBeUndefined();
      expect(operator.cluster.peek(role('view'))).toBeDefined();
      expect(operator.cluster.peek(role('shared'))).toBeDefined();
      expect(operator.cluster.peek(binding('someone-else-shared'))).toBeDefined();
    },
  );
});

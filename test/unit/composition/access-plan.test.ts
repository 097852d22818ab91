import { describe, expect, it } from 'vitest';
import { describePermission, GrantedAccess, type ResourceRule } from '../../../src/adapters/access/granted-access.js';
import { planAccess } from '../../../src/composition/access-plan.js';
import { DEFAULT_OPERATOR_IMAGE, installManifests } from '../../../src/install/install-manifests.js';
import { gefyra2InstallManifests } from '../../../src/plugins/gefyra2/install/gefyra2-manifests.js';
import { gefyra2Plugin } from '../../../src/plugins/gefyra2/gefyra2.plugin.js';
import { gefyra013Plugin } from '../../../src/plugins/gefyra013/gefyra013.plugin.js';
import { CLIENT_CLUSTER_ROLE_RULES } from '../../support/client-cluster-role.js';
import { GEFYRA2_CLIENT_CLUSTER_ROLE_RULES } from '../../support/gefyra2-client-cluster-role.js';

const NAMESPACE = 'gefyra';
const deployRules = (): ResourceRule[] =>
  installManifests({ namespace: NAMESPACE, image: DEFAULT_OPERATOR_IMAGE })
    .filter((manifest) => manifest.kind === 'ClusterRole' || manifest.kind === 'Role')
    .flatMap((manifest) => manifest['rules'] as ResourceRule[]);

describe('the access plan', () => {
  it('under the full deploy/ RBAC changes nothing: watches, a Lease, the status subresource, the CRD read', () => {
    const plan = planAccess(GrantedAccess.fromRules(deployRules()), NAMESPACE);
    expect(plan).toMatchObject({
      leaderLock: 'Lease',
      statusWrites: 'subresource',
      crdReadable: true,
      missing: [],
      fallbacks: [],
    });
    expect(plan.canWatch({ apiVersion: 'v1', kind: 'Pod', labels: { a: 'b' } })).toBe(true);
    expect(plan.canWatch({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: NAMESPACE })).toBe(true);
  });

  it("under the Gefyra client's ClusterRole falls back where it may not watch, lease or write the status, and lacks nothing", () => {
    const plan = planAccess(GrantedAccess.fromRules(CLIENT_CLUSTER_ROLE_RULES), NAMESPACE);
    expect(plan).toMatchObject({
      leaderLock: 'ConfigMap',
      statusWrites: 'annotation',
      crdReadable: false,
      missing: [],
    });
    expect(plan.fallbacks).toHaveLength(5);
    expect(plan.fallbacks).toContainEqual(
      expect.stringMatching(/^no subjectaccessreviews: requesters are not reviewed/),
    );
    for (const kind of [
      { apiVersion: 'v1', kind: 'Pod' },
      { apiVersion: 'v1', kind: 'ConfigMap' },
      { apiVersion: 'apps/v1', kind: 'Deployment' },
      { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease' },
    ]) {
      expect(plan.canWatch({ ...kind, namespace: NAMESPACE }), kind.kind).toBe(false);
    }
    expect(plan.canWatch({ apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', namespace: NAMESPACE })).toBe(true);
  });

  it('names what has no stand-in: without exec or the right to create a CRD nothing can work', () => {
    const rules = CLIENT_CLUSTER_ROLE_RULES.map((rule) => ({
      ...rule,
      resources: rule.resources.filter((resource) => resource !== 'pods/exec'),
      verbs: rule.apiGroups.includes('apiextensions.k8s.io') ? ['list'] : rule.verbs,
    }));
    const plan = planAccess(GrantedAccess.fromRules(rules), NAMESPACE);
    expect(plan.missing.map(describePermission).sort()).toEqual(
      [
        'get pods/exec',
        'create pods/exec',
        'create apiextensions.k8s.io/customresourcedefinitions',
        'patch apiextensions.k8s.io/customresourcedefinitions',
      ].sort(),
    );
  });

  it('counts a rule limited to names only for those names', () => {
    const access = GrantedAccess.fromRules([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['get'], resourceNames: ['gefyra'] },
    ]);
    expect(access.allows({ verb: 'get', group: '', resource: 'namespaces', name: 'gefyra' })).toBe(true);
    expect(access.allows({ verb: 'get', group: '', resource: 'namespaces', name: 'other' })).toBe(false);
    expect(access.allows({ verb: 'get', group: '', resource: 'namespaces' })).toBe(false);
  });

  describe('under the Gefyra 2.x contract', () => {
    const gefyra2OperatorRules = (): ResourceRule[] =>
      gefyra2InstallManifests({ namespace: NAMESPACE, image: DEFAULT_OPERATOR_IMAGE })
        .filter(
          (manifest) =>
            (manifest.kind === 'ClusterRole' || manifest.kind === 'Role') &&
            manifest.metadata.name === 'gefyra-operator',
        )
        .flatMap((manifest) => manifest['rules'] as ResourceRule[]);

    it("lacks nothing under the 2.5 client's ClusterRole, which grants no InterceptRequests: those are not served", () => {
      const plan = planAccess(GrantedAccess.fromRules(GEFYRA2_CLIENT_CLUSTER_ROLE_RULES), NAMESPACE, {
        contract: gefyra2Plugin.contract,
      });
      expect(plan).toMatchObject({ missing: [], interceptRequests: false });
      expect(plan.fallbacks).toContainEqual('no rights on interceptrequests: InterceptRequests are not served');
    });

    it('asks for the InterceptRequest rights in the 0.13 contract, where they are the reason to run', () => {
      const plan = planAccess(GrantedAccess.fromRules(GEFYRA2_CLIENT_CLUSTER_ROLE_RULES), NAMESPACE, {
        contract: gefyra013Plugin.contract,
      });
      expect(plan.missing.map(describePermission)).toContainEqual('get gefyra.dev/interceptrequests');
    });

    it("lacks nothing under deploy/gefyra2's own account, and serves InterceptRequests there", () => {
      const plan = planAccess(GrantedAccess.fromRules(gefyra2OperatorRules()), NAMESPACE, {
        contract: gefyra2Plugin.contract,
      });
      expect(plan).toMatchObject({ missing: [], interceptRequests: true });
    });

    it("needs what Stowaway 2.x's lifecycle needs, not Stowaway 0.13's Deployment", () => {
      const withoutStatefulSets = gefyra2OperatorRules().map((rule) => ({
        ...rule,
        resources: (rule.resources ?? []).filter((resource) => resource !== 'statefulsets'),
      }));
      const plan = planAccess(GrantedAccess.fromRules(withoutStatefulSets), NAMESPACE, {
        contract: gefyra2Plugin.contract,
      });
      expect(plan.missing.map(describePermission)).toContainEqual('create apps/statefulsets');
      // Deployments are created only as a mount's shadow, next to StatefulSets: never Stowaway 0.13's Deployment alone.
      for (const rule of gefyra2OperatorRules().filter(
        (candidate) => (candidate.resources ?? []).includes('deployments') && candidate.verbs.includes('create'),
      )) {
        expect(rule.resources).toEqual(['deployments', 'statefulsets']);
      }
    });
  });
});

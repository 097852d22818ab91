import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterAccessReviewer } from '../../src/adapters/kubernetes/cluster-stores/cluster-access-reviewer.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { loadKubeConfig } from '../support/control-plane/kubeconfig.js';
import { useControlPlane, useNamespaceOfEachTest } from '../support/control-plane/vitest.js';
import { waitForGone } from './support/cluster-waits.js';
import { installOperatorAccess, type OperatorAccess } from './support/operator-access.js';

const never = new AbortController().signal;
const NAMESPACE = 'gefyra-rbac';
const NAME = 'gefyra-operator-rbac';

/**
 * Every right the operator's ServiceAccount holds, with the code path that
 * needs it. `kubectl auth can-i --list` as the ServiceAccount (a
 * SelfSubjectRulesReview) must show exactly these, beyond what every
 * authenticated user may do: a right no code path needs fails this test.
 */
const NEEDED_EVERYWHERE: Readonly<Record<string, string>> = {
  'get pods': 'reading a target pod (InterceptService, CarrierInstaller)',
  'list pods': 'the runtime watches intercepted pods',
  'watch pods': 'the runtime watches intercepted pods',
  'patch pods': "Carrier's image swap and restore",
  'get pods/exec': 'exec through WebSocket is authorised as get on older API servers',
  'create pods/exec': 'Carrier setroute.sh, Stowaway generate-proxyroutes.sh',
  'list services': 'naming the holder of a busy node port',
  'create subjectaccessreviews.authorization.k8s.io': 'the requester review (GEFYRA_REQUESTER_REVIEW)',
  'list interceptrequests.gefyra.dev': 'noticing requests created in other namespaces',
  'watch interceptrequests.gefyra.dev': 'noticing requests created in other namespaces',
  'create events.events.k8s.io': 'an Event next to a request in another namespace: it is not served',
  [`get customresourcedefinitions.apiextensions.k8s.io/interceptrequests.gefyra.dev`]: 'checking the CRD at start',
  [`delete customresourcedefinitions.apiextensions.k8s.io/interceptrequests.gefyra.dev`]: 'reset',
  [`get namespaces/${NAMESPACE}`]: 'creating its namespace unless present',
  [`delete namespaces/${NAMESPACE}`]: 'reset',
  [`get clusterroles.rbac.authorization.k8s.io/${NAME}`]: 'reset',
  [`delete clusterroles.rbac.authorization.k8s.io/${NAME}`]: 'reset',
  [`delete clusterrolebindings.rbac.authorization.k8s.io/${NAME}`]:
    'reset (where the binding is removed before the role)',
  [`patch mutatingwebhookconfigurations.admissionregistration.k8s.io/${NAME}-requester`]:
    "the requester webhook's caBundle, kept at the operator's CA",
};

const NEEDED_IN_OPERATOR_NAMESPACE: Readonly<Record<string, string>> = {
  ...Object.fromEntries(
    ['get', 'list', 'watch', 'create', 'patch', 'delete'].map((verb) => [
      `${verb} deployments.apps`,
      "Stowaway's Deployment: applied, cached, removed",
    ]),
  ),
  ...Object.fromEntries(
    ['get', 'watch', 'create', 'patch', 'delete'].map((verb) => [
      `${verb} services`,
      "Stowaway's and the proxy Services (cached: their owners)",
    ]),
  ),
  ...Object.fromEntries(
    ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'].map((verb) => [
      `${verb} configmaps`,
      'route table (replaced at a version), reset ledger; cached',
    ]),
  ),
  ...Object.fromEntries(
    ['create', 'patch', 'delete'].map((verb) => [
      `${verb} serviceaccounts`,
      "Stowaway's ServiceAccount, applied and removed",
    ]),
  ),
  ...Object.fromEntries(
    ['list', 'watch', 'create', 'patch', 'delete'].map((verb) => [
      `${verb} secrets`,
      "the client's connection Secret: applied, removed, watched for drift",
    ]),
  ),
  ...Object.fromEntries(
    ['get', 'patch'].flatMap((verb) =>
      [`${NAME}-admission-tls`, `${NAME}-requester-stamp-key`].map((secret) => [
        `${verb} secrets/${secret}`,
        "the requester webhook's certificate and stamp key, read at start",
      ]),
    ),
  ),
  'create events': 'the Gefyra-Ready signal',
  'list events': 'withdrawing the Gefyra-Ready signal',
  'delete events':
    'withdrawing the Gefyra-Ready signal; posting it again when the API server stamped it after its eventTime',
  'patch events': 'a later eventTime on the Gefyra-Ready signal where the clock has not moved on (readiness-event.ts)',
  'create events.events.k8s.io': 'Events on requests and the operator',
  ...Object.fromEntries(
    ['get', 'list', 'watch', 'create', 'update'].map((verb) => [
      `${verb} leases.coordination.k8s.io`,
      'leader election',
    ]),
  ),
  ...Object.fromEntries(
    ['get', 'list', 'watch', 'patch', 'delete'].map((verb) => [
      `${verb} interceptrequests.gefyra.dev`,
      'requests: cached, finalizer, established, reset',
    ]),
  ),
  'patch interceptrequests.gefyra.dev/status': 'the request status',
};

interface ResourceRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** One line per verb, resource and name, as `kubectl auth can-i --list` would print them. */
function grantedRights(rules: readonly ResourceRule[]): Set<string> {
  const rights = new Set<string>();
  for (const rule of rules) {
    for (const group of rule.apiGroups ?? ['']) {
      for (const resource of rule.resources ?? []) {
        const [plural, subresource] = resource.split('/');
        const qualified = `${plural}${group === '' ? '' : `.${group}`}${subresource ? `/${subresource}` : ''}`;
        for (const verb of rule.verbs) {
          for (const name of rule.resourceNames?.length ? rule.resourceNames : [undefined])
            rights.add(name ? `${verb} ${qualified}/${name}` : `${verb} ${qualified}`);
        }
      }
    }
  }
  return rights;
}

async function rulesOf(kubeconfigPath: string, namespace: string): Promise<Set<string>> {
  const api = new KubernetesClusterApi(loadKubeConfig(kubeconfigPath), 'gefyra-rbac-test');
  const review = await api.create(
    {
      apiVersion: 'authorization.k8s.io/v1',
      kind: 'SelfSubjectRulesReview',
      metadata: { name: 'can-i-list' },
      spec: { namespace },
    },
    never,
  );
  return grantedRights((review['status'] as { resourceRules?: ResourceRule[] }).resourceRules ?? []);
}

describe("the operator's RBAC (issue 13, defects 1 and 9)", () => {
  const controlPlane = useControlPlane();
  // The installation is only read; the namespace where roles are made is each test's own.
  const elsewhere = useNamespaceOfEachTest('secret-team');
  const admin = () => new KubernetesClusterApi(controlPlane.adminKubeConfig(), 'gefyra-rbac-admin');
  let access: OperatorAccess;
  let baselineConfigPath: string;

  beforeAll(async () => {
    access = await installOperatorAccess(controlPlane, { namespace: NAMESPACE, name: NAME });
    await admin().apply(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'nobody', namespace: NAMESPACE } },
      never,
    );
    baselineConfigPath = (await controlPlane.serviceAccountKubeConfig(NAMESPACE, 'nobody')).kubeconfigPath;
  }, 180_000);

  afterAll(async () => {
    const api = admin();
    for (const kind of ['ClusterRoleBinding', 'ClusterRole'])
      await api.remove({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name: NAME }, never);
    await api.remove({ apiVersion: 'v1', kind: 'Namespace', name: NAMESPACE }, never);
    await waitForGone(
      controlPlane.adminKubeConfig(),
      { apiVersion: 'v1', kind: 'Namespace', name: NAMESPACE },
      120_000,
    );
  }, 180_000);

  it.each([
    ['another namespace', () => elsewhere.name, NEEDED_EVERYWHERE],
    ["the operator's namespace", () => NAMESPACE, { ...NEEDED_EVERYWHERE, ...NEEDED_IN_OPERATOR_NAMESPACE }],
  ])('grants in %s exactly the rights some code path needs', async (_, namespaceOf, needed) => {
    const namespace = namespaceOf();
    const everyone = await rulesOf(baselineConfigPath, namespace);
    const granted = [...(await rulesOf(access.kubeconfigPath, namespace))]
      .filter((right) => !everyone.has(right))
      .sort();
    expect(granted).toEqual(Object.keys(needed).sort());
  });

  it('never lets the operator patch its own ClusterRoleBinding (a stolen token could add subjects)', async () => {
    const granted = await rulesOf(access.kubeconfigPath, NAMESPACE);
    expect([...granted].filter((right) => right.includes('clusterrolebindings'))).toEqual([
      `delete clusterrolebindings.rbac.authorization.k8s.io/${NAME}`,
    ]);
  });

  it('reviews a requester with the API server: no rights on pods there, refused; patch and exec, allowed', async () => {
    const reviewer = new ClusterAccessReviewer(
      new KubernetesClusterApi(loadKubeConfig(access.kubeconfigPath), 'gefyra-operator'),
      systemClock,
    );
    const api = admin();
    const role = (name: string, rules: unknown[]): Manifest => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name, namespace: elsewhere.name },
      rules,
    });
    const binding = (name: string, user: string): Manifest => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name, namespace: elsewhere.name },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: user }],
    });
    await api.apply(role('patch-only', [{ apiGroups: [''], resources: ['pods'], verbs: ['patch'] }]), never);
    await api.apply(binding('patch-only', 'half-dev'), never);
    await api.apply(
      role('intercept', [
        { apiGroups: [''], resources: ['pods'], verbs: ['patch'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      ]),
      never,
    );
    await api.apply(binding('intercept', 'team-dev'), never);

    expect(
      await reviewer.mayIntercept({ user: 'stranger', groups: ['system:authenticated'] }, elsewhere.name, never),
    ).toEqual({
      state: 'denied',
      reason: `stranger may not patch pods in namespace ${elsewhere.name}`,
    });
    expect(await reviewer.mayIntercept({ user: 'half-dev', groups: [] }, elsewhere.name, never)).toEqual({
      state: 'denied',
      reason: `half-dev may not create pods/exec in namespace ${elsewhere.name}`,
    });
    expect(await reviewer.mayIntercept({ user: 'team-dev', groups: [] }, elsewhere.name, never)).toEqual({
      state: 'allowed',
    });
  });
});

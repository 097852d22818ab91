import { interceptRequestCrd, INTERCEPT_REQUEST_CRD_NAME } from '../crd/intercept-request-crd.js';
import { MANAGED_BY_LABELS } from '../gefyra-release.js';
import { carrierPlugin } from '../plugins/carrier/carrier.plugin.js';
import type { OperatorPlugin, RbacRule } from '../plugins/plugin.js';
import { stowawayPlugin } from '../plugins/stowaway/stowaway.plugin.js';
import type { Manifest } from '../ports/cluster-api.port.js';
import { REQUESTER_WEBHOOK_PATH, requesterWebhookNames } from '../adapters/webhook/requester-webhook-names.js';
import { STAMPED_KINDS } from '../domain/admission/requester-stamp.js';

/**
 * Everything a cluster needs to run the operator, generated here and written
 * to deploy/ (a test keeps the two in step). RBAC is least privilege: the
 * cluster-wide rules are only what intercepting a pod in any namespace
 * needs, plus deleting the operator's own cluster objects during a reset;
 * everything else is a Role in the operator's namespace. What a plugin's
 * ports need (a carrier's rights on pods) the plugin contributes.
 */
export interface InstallOptions {
  readonly namespace: string;
  readonly image: string;
  readonly imagePullPolicy?: 'Always' | 'IfNotPresent' | 'Never';
  /** Name of the ClusterRole and ClusterRoleBinding. */
  readonly name?: string;
  /** The plugins whose rules the roles carry; default: Stowaway (0.13) and Carrier. */
  readonly plugins?: readonly OperatorPlugin[];
}

export const DEFAULT_OPERATOR_IMAGE = 'ghcr.io/gefyra/gefyra-operator:0.1.0';

const labels = { ...MANAGED_BY_LABELS, 'app.kubernetes.io/name': 'gefyra-operator' };
/** The operator's pods (not a webhook's pods, which may share the name label): what the requester webhook's Service selects. */
export const OPERATOR_POD_SELECTOR = {
  'app.kubernetes.io/name': 'gefyra-operator',
  'app.kubernetes.io/component': 'operator',
};
/** Where the operator serves the requester-stamping webhook (GEFYRA_REQUESTER_WEBHOOK_PORT). */
export const REQUESTER_WEBHOOK_PORT = 9443;

/** Every pod of the install runs as this non-root user, and its containers with nothing to escalate. */
export const POD_SECURITY_CONTEXT = {
  runAsNonRoot: true,
  runAsUser: 65532,
  runAsGroup: 65532,
  seccompProfile: { type: 'RuntimeDefault' },
};
export const CONTAINER_SECURITY_CONTEXT = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

export function installManifests(options: InstallOptions): Manifest[] {
  const name = options.name ?? 'gefyra-operator';
  const { namespace } = options;
  const plugins = options.plugins ?? [stowawayPlugin, carrierPlugin];
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    interceptRequestCrd(),
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } },
    clusterRole(
      name,
      namespace,
      plugins.flatMap((plugin) => plugin.rbac?.cluster ?? []),
    ),
    binding('ClusterRoleBinding', name, undefined, namespace),
    role(
      name,
      namespace,
      plugins.flatMap((plugin) => plugin.rbac?.namespaced ?? []),
    ),
    binding('RoleBinding', name, namespace, namespace),
    deployment(name, options, Object.assign({}, ...plugins.map((plugin) => plugin.deploymentEnvironment ?? {}))),
  ];
}

const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): RbacRule => ({
  apiGroups,
  resources,
  verbs,
  ...(resourceNames ? { resourceNames } : {}),
});

/**
 * The core's rules with the plugins' merged in: a plugin's verbs on a
 * resource the core already names join that rule (one rule per resource
 * stays readable), new resources are appended in the plugins' order.
 */
export function mergeRules(core: readonly RbacRule[], contributed: readonly RbacRule[]): RbacRule[] {
  const keyOf = (candidate: RbacRule) =>
    JSON.stringify([candidate.apiGroups, candidate.resources, candidate.resourceNames ?? []]);
  const merged = core.map((entry) => ({ ...entry, verbs: [...entry.verbs] }));
  for (const extra of contributed) {
    const same = merged.find((entry) => keyOf(entry) === keyOf(extra));
    if (same) same.verbs.push(...extra.verbs.filter((verb) => !same.verbs.includes(verb)));
    else merged.push({ ...extra, verbs: [...extra.verbs] });
  }
  return merged;
}

function clusterRole(name: string, namespace: string, contributed: readonly RbacRule[]): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, labels },
    rules: mergeRules(
      [
        // Intercepting a pod in any namespace: read the target, watch the pods carrying a carrier (the carrier plugins add what they do to pods).
        rule([''], ['pods'], ['get', 'list', 'watch']),
        // Requests created in other namespaces are not served; an Event next to each says so.
        rule(['gefyra.dev'], ['interceptrequests'], ['list', 'watch']),
        rule(['events.k8s.io'], ['events'], ['create']),
        // Whether a requester may themselves do what their intercept does (GEFYRA_REQUESTER_REVIEW).
        rule(['authorization.k8s.io'], ['subjectaccessreviews'], ['create']),
        // Naming the holder of a busy node port.
        rule([''], ['services'], ['list']),
        // The CRD is installed with these manifests; the operator only checks it and removes it on reset.
        rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['get', 'delete'], [INTERCEPT_REQUEST_CRD_NAME]),
        // The reset removes the operator itself (see ClusterOperatorInstallation); never `patch` on the binding: it could add subjects.
        rule([''], ['namespaces'], ['get', 'delete'], [namespace]),
        rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['get', 'delete'], [name]),
        rule(['rbac.authorization.k8s.io'], ['clusterrolebindings'], ['delete'], [name]),
        // The requester webhook's configuration: its caBundle kept at the operator's CA.
        rule(
          ['admissionregistration.k8s.io'],
          ['mutatingwebhookconfigurations'],
          ['patch'],
          [requesterWebhookNames(name).configuration],
        ),
      ],
      contributed,
    ),
  };
}

function role(name: string, namespace: string, contributed: readonly RbacRule[]): Manifest {
  const manage = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name, namespace, labels },
    rules: mergeRules(
      [
        // The route table (replaced at a resourceVersion), the reset ledger, the leader lock: cached, so also listed and watched.
        rule([''], ['configmaps'], manage),
        // The client's connection Secret: applied, removed, and watched so that a change by hand is undone.
        rule([''], ['secrets'], ['list', 'watch', 'create', 'patch', 'delete']),
        // The requester webhook's CA and serving certificate, and its stamp key: made once (create above), read at every start.
        rule(
          [''],
          ['secrets'],
          ['get', 'patch'],
          [requesterWebhookNames(name).tlsSecret, requesterWebhookNames(name).keySecret],
        ),
        // Readiness Events: posted, and posted again or given a later eventTime when the API server stamped them after it (see readiness-event.ts).
        rule([''], ['events'], ['create', 'list', 'delete', 'patch']),
        rule(['events.k8s.io'], ['events'], ['create']),
        rule(['coordination.k8s.io'], ['leases'], ['get', 'list', 'watch', 'create', 'update']),
        rule(['gefyra.dev'], ['interceptrequests'], ['get', 'list', 'watch', 'patch', 'delete']),
        rule(['gefyra.dev'], ['interceptrequests/status'], ['patch']),
      ],
      contributed,
    ),
  };
}

function binding(
  kind: 'ClusterRoleBinding' | 'RoleBinding',
  name: string,
  namespace: string | undefined,
  subjectNamespace: string,
): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind,
    metadata: { name, ...(namespace ? { namespace } : {}), labels },
    roleRef: {
      apiGroup: 'rbac.authorization.k8s.io',
      kind: kind === 'ClusterRoleBinding' ? 'ClusterRole' : 'Role',
      name,
    },
    subjects: [{ kind: 'ServiceAccount', name, namespace: subjectNamespace }],
  };
}

function deployment(
  name: string,
  options: InstallOptions,
  pluginEnvironment: Readonly<Record<string, string>>,
): Manifest {
  const selector = { 'app.kubernetes.io/name': 'gefyra-operator' };
  // 5 s rather than the kubelet's default of 1 s: on a busy node (the real-node tier, load 20 on 2 cores)
  // answers took longer, and three in a row restart an operator that is working.
  const probe = (path: string) => ({
    httpGet: { path, port: 'health' },
    periodSeconds: 5,
    timeoutSeconds: 5,
    failureThreshold: 3,
  });
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: options.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: selector },
      // A new replica starts, waits for the lease, takes over when the old one releases it on SIGTERM.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels: { ...labels, ...OPERATOR_POD_SELECTOR } },
        spec: {
          serviceAccountName: name,
          terminationGracePeriodSeconds: 30,
          securityContext: POD_SECURITY_CONTEXT,
          containers: [
            {
              name: 'operator',
              image: options.image,
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              args: ['run'],
              ports: [
                { name: 'health', containerPort: 8080, protocol: 'TCP' },
                { name: 'webhook', containerPort: REQUESTER_WEBHOOK_PORT, protocol: 'TCP' },
              ],
              env: [
                { name: 'GEFYRA_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
                { name: 'GEFYRA_OPERATOR_CLUSTER_ROLE', value: name },
                ...Object.entries(pluginEnvironment).map(([variable, value]) => ({ name: variable, value })),
                { name: 'GEFYRA_CONNECTION_TIMEOUT', value: '600' },
                // This install stamps requesters (requesterWebhookManifests), so every request is reviewed (docs/decisions/0016).
                { name: 'GEFYRA_REQUESTER_WEBHOOK', value: 'on' },
                { name: 'GEFYRA_REQUESTER_REVIEW', value: 'required' },
                { name: 'GEFYRA_LOG_LEVEL', value: 'info' },
              ],
              // Node.js loads the operator in 10-26 s on a busy 2-core node (seen on the real node): liveness
              // counts only once the health server answered (up to 5 min), or the kubelet kills it before it listens.
              startupProbe: { ...probe('/healthz'), periodSeconds: 2, failureThreshold: 150 },
              livenessProbe: probe('/healthz'),
              readinessProbe: probe('/readyz'),
              // About 120 MiB idle and 150 MiB with 1,000 intercepts (README, Benchmarks).
              resources: { requests: { cpu: '50m', memory: '128Mi' }, limits: { memory: '256Mi' } },
              securityContext: CONTAINER_SECURITY_CONTEXT,
            },
          ],
        },
      },
    },
  };
}

/**
 * The requester-stamping webhook in front of the operator's own pods: a
 * Service and a MutatingWebhookConfiguration (no caBundle: the operator
 * writes its CA there at start) that sends every CREATE and UPDATE of the
 * stamped kinds to it. Not part of installManifests: it routes through a
 * Service, and an installation whose operator runs elsewhere (the tests')
 * registers it with a URL of its own.
 */
/** What deploy/ holds: the operator, and the webhook that stamps requesters (without it the required review refuses every request). */
export const withRequesterWebhook = (options: InstallOptions): Manifest[] => [
  ...installManifests(options),
  ...requesterWebhookManifests(options.namespace, options.name),
];

export function requesterWebhookManifests(namespace: string, name = 'gefyra-operator'): Manifest[] {
  const names = requesterWebhookNames(name);
  return [
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: names.service, namespace, labels },
      spec: {
        selector: OPERATOR_POD_SELECTOR,
        ports: [{ name: 'webhook', protocol: 'TCP', port: 443, targetPort: 'webhook' }],
      },
    },
    {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: names.configuration, labels },
      webhooks: [requesterWebhook({ service: { name: names.service, namespace, path: REQUESTER_WEBHOOK_PATH } })],
    },
  ];
}

/** The one webhook entry; `clientConfig` is the Service (deploy/) or a URL (tests). */
export function requesterWebhook(clientConfig: Record<string, unknown>): Record<string, unknown> {
  return {
    name: 'requester.gefyra.dev',
    admissionReviewVersions: ['v1'],
    clientConfig,
    // Unstamped requests would be refused by the review anyway; failing here says why at once.
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    // Called again when a later mutating webhook changed the object: the stamp is the last word.
    reinvocationPolicy: 'IfNeeded',
    rules: [
      {
        apiGroups: ['gefyra.dev'],
        apiVersions: ['v1'],
        operations: ['CREATE', 'UPDATE'],
        resources: Object.values(STAMPED_KINDS).map((kind) => kind.resource),
        scope: 'Namespaced',
      },
    ],
    sideEffects: 'None',
    timeoutSeconds: 10,
  };
}

import { gefyra2Crds, GEFYRA2_CRD_NAMES } from './gefyra2-crds.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import type { Manifest } from '../../../ports/cluster-api.port.js';
import type { RbacRule } from '../../plugin.js';
import { WEBHOOK_DEPLOYMENT } from '../adapters/gefyra2-webhook.js';
import { carrierPlugin } from '../../carrier/carrier.plugin.js';
import { gefyra2TunnelPlugin } from '../tunnel/gefyra2-tunnel.plugin.js';
import {
  CONTAINER_SECURITY_CONTEXT,
  installManifests,
  mergeRules,
  POD_SECURITY_CONTEXT,
  requesterWebhookManifests,
  type InstallOptions,
} from '../../../install/install-manifests.js';

/**
 * The Gefyra 2.x install (deploy/gefyra2): the operator on Stowaway 2.x
 * (the stowaway2 plugin's rights instead of Stowaway 0.13's; the
 * InterceptRequest CRD and rights stay, for a tunnel that routes them) plus
 * what the 2.5 client's own install has: the three CRDs, the operator told to serve the 2.x contract, the
 * `gefyra-client` ClusterRole each developer's ServiceAccount is bound to,
 * and the webhook: its Deployment (same image, OP_MODE=webhook), the
 * Service `gefyra-admission` and the ValidatingWebhookConfiguration
 * `gefyra.dev` (no caBundle: the webhook writes its own CA there at start).
 * The webhook has an account of its own with only what it reads and writes.
 */
const labels = { ...MANAGED_BY_LABELS, 'app.kubernetes.io/name': 'gefyra-operator' };
const RBAC = 'rbac.authorization.k8s.io/v1';
/** The labels the 2.5 client's Service selects the webhook pods by (contract §1). */
const WEBHOOK_POD_LABELS = { 'gefyra.dev/app': 'gefyra-operator', 'gefyra.dev/role': 'webhook' };
const OPERATOR_POD_LABELS = { 'gefyra.dev/app': 'gefyra-operator', 'gefyra.dev/role': 'operator' };
export const WEBHOOK_SERVICE = 'gefyra-admission';
export const WEBHOOK_CONFIGURATION = 'gefyra.dev';
export const CLIENT_CLUSTER_ROLE = 'gefyra-client';
const GEFYRA2_RESOURCES = ['gefyraclients', 'gefyrabridges', 'gefyrabridgemounts'];
const WEBHOOK_PATHS = ['client-parameters', 'mount-parameters', 'bridge-parameters'] as const;
const WEBHOOK_RESOURCES: Record<(typeof WEBHOOK_PATHS)[number], string> = {
  'client-parameters': 'gefyraclients',
  'mount-parameters': 'gefyrabridgemounts',
  'bridge-parameters': 'gefyrabridges',
};

const rule = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]) => ({
  apiGroups,
  resources,
  verbs,
  ...(resourceNames ? { resourceNames } : {}),
});

export function gefyra2InstallManifests(options: InstallOptions): Manifest[] {
  const { namespace } = options;
  const plugins = options.plugins ?? [gefyra2TunnelPlugin, carrierPlugin];
  const operator = installManifests({ ...options, plugins }).map(extendForGefyra2);
  const [namespaceObject, interceptRequestCrd, ...rest] = operator;
  return [
    namespaceObject!,
    interceptRequestCrd!,
    ...gefyra2Crds(),
    ...rest,
    clientClusterRole(),
    ...webhookAccount(namespace),
    webhookDeployment(options),
    webhookService(namespace),
    webhookConfiguration(namespace),
    // The operator stamps the requesters of InterceptRequests here too (GefyraBridges: one entry in STAMPED_KINDS).
    ...requesterWebhookManifests(namespace, options.name),
  ];
}

/** The 0.13 objects, widened by what the 2.x contract needs of the operator. */
function extendForGefyra2(manifest: Manifest): Manifest {
  if (manifest.kind === 'ClusterRole') {
    return {
      ...manifest,
      rules: mergeRules(manifest['rules'] as RbacRule[], [
        // Applied by these manifests; the operator reads them at start (it may not create them).
        rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['get'], [...GEFYRA2_CRD_NAMES]),
        // Each developer's ServiceAccount is bound to gefyra-client (shipped here) and unbound on delete.
        rule(['rbac.authorization.k8s.io'], ['clusterrolebindings'], ['create', 'delete']),
        rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['get', 'bind'], [CLIENT_CLUSTER_ROLE]),
        // A mount's workload read and its shadow copy applied (server-side apply: patch, create) and removed, in any
        // namespace; a bare Pod's copy is a Pod, the carrier's pods are watched.
        rule(['apps'], ['deployments', 'statefulsets'], ['get', 'create', 'patch', 'delete']),
        rule([''], ['services'], ['get', 'create', 'patch', 'delete']),
        rule([''], ['pods'], ['get', 'list', 'watch', 'create', 'delete']),
        // The workload's HPA found and copied for the shadow.
        rule(['autoscaling'], ['horizontalpodautoscalers'], ['get', 'list', 'create', 'patch', 'delete']),
      ]),
    };
  }
  if (manifest.kind === 'Role') {
    return {
      ...manifest,
      rules: [
        ...(manifest['rules'] as unknown[]),
        // The operator's own Deployment: read at start (is it being removed?), watched with the installation.
        rule(['apps'], ['deployments'], ['get', 'list', 'watch']),
        // GefyraBridgeMounts and GefyraBridges: state and fields written (no status subresource), finalizers, deleted.
        rule(
          ['gefyra.dev'],
          ['gefyrabridgemounts', 'gefyrabridges'],
          ['get', 'list', 'watch', 'patch', 'update', 'delete'],
        ),
      ],
    };
  }
  if (manifest.kind === 'Deployment') {
    const spec = manifest['spec'] as {
      template: { metadata: { labels: Record<string, string> }; spec: { containers: Record<string, unknown>[] } };
    };
    const [container, ...others] = spec.template.spec.containers;
    return {
      ...manifest,
      spec: {
        ...spec,
        template: {
          ...spec.template,
          metadata: { ...spec.template.metadata, labels: { ...spec.template.metadata.labels, ...OPERATOR_POD_LABELS } },
          spec: {
            ...spec.template.spec,
            containers: [
              {
                ...container,
                env: [...((container?.['env'] as unknown[]) ?? []), { name: 'GEFYRA_CLIENT_CONTRACT', value: '2' }],
              },
              ...others,
            ],
          },
        },
      },
    };
  }
  return manifest;
}

/** What a developer's ServiceAccount may do (the rules Gefyra 2.5's operator gives it). */
function clientClusterRole(): Manifest {
  return {
    apiVersion: RBAC,
    kind: 'ClusterRole',
    metadata: { name: CLIENT_CLUSTER_ROLE, labels },
    rules: [
      rule(['gefyra.dev'], ['gefyraclients'], ['list', 'patch', 'get']),
      // `bridge rm` waits for the DELETED watch event; `bridge create` reads its mount and waits for a Ready Event.
      rule(['gefyra.dev'], ['gefyrabridges'], ['list', 'get', 'create', 'patch', 'delete', 'watch']),
      rule(['gefyra.dev'], ['gefyrabridgemounts'], ['list', 'get']),
      rule([''], ['events'], ['list', 'get', 'watch']),
      rule([''], ['pods/exec', 'pods/status'], ['create', 'get']),
      rule(['', 'apps'], ['pods', 'deployments', 'statefulsets', 'replicasets'], ['list', 'get']),
    ],
  };
}

function webhookAccount(namespace: string): Manifest[] {
  const name = WEBHOOK_DEPLOYMENT;
  const subjects = [{ kind: 'ServiceAccount', name, namespace }];
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, labels } },
    {
      apiVersion: RBAC,
      kind: 'ClusterRole',
      metadata: { name, labels },
      // Its own CA into the caBundles, nothing else cluster-wide.
      rules: [
        rule(['admissionregistration.k8s.io'], ['validatingwebhookconfigurations'], ['patch'], [WEBHOOK_CONFIGURATION]),
      ],
    },
    {
      apiVersion: RBAC,
      kind: 'ClusterRoleBinding',
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    },
    {
      apiVersion: RBAC,
      kind: 'Role',
      metadata: { name, namespace, labels },
      rules: [
        // The CA and serving certificate: made once, read at every start.
        rule([''], ['secrets'], ['create']),
        rule([''], ['secrets'], ['get', 'patch'], ['gefyra-admission-tls']),
        // What the rules compare against: the other clients, mounts and bridges, and Stowaway's peers.
        rule(['gefyra.dev'], GEFYRA2_RESOURCES, ['get', 'list']),
        rule([''], ['configmaps'], ['get'], ['gefyra-stowaway-config']),
        rule([''], ['events'], ['create', 'delete', 'patch']),
      ],
    },
    {
      apiVersion: RBAC,
      kind: 'RoleBinding',
      metadata: { name, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    },
  ];
}

/** A new object each time: a shared one would be written to YAML as an anchor and an alias. */
const webhookHealth = () => ({ httpGet: { path: '/healthz', port: 'https', scheme: 'HTTPS' } });

function webhookDeployment(options: InstallOptions): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: WEBHOOK_DEPLOYMENT, namespace: options.namespace, labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: WEBHOOK_POD_LABELS },
      template: {
        metadata: { labels: { ...labels, ...WEBHOOK_POD_LABELS } },
        spec: {
          serviceAccountName: WEBHOOK_DEPLOYMENT,
          securityContext: POD_SECURITY_CONTEXT,
          containers: [
            {
              name: 'gefyra',
              image: options.image,
              imagePullPolicy: options.imagePullPolicy ?? 'IfNotPresent',
              args: ['run'],
              ports: [{ name: 'https', containerPort: 9443, protocol: 'TCP' }],
              env: [
                { name: 'OP_MODE', value: 'webhook' },
                { name: 'GEFYRA_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
                { name: 'GEFYRA_LOG_LEVEL', value: 'info' },
              ],
              // Liveness counts once the webhook serves: Node.js loads it in 10-15 s on a busy node (the real node).
              startupProbe: { ...webhookHealth(), periodSeconds: 2, failureThreshold: 90 },
              // What the 2.5 client's Deployment runs: the image's stand-in posts the client's health check to this pod.
              // It starts a Node.js process, which took more than the default 1 s, and more than 10 s, on a busy node
              // (kubelets enforce exec probes' timeouts since 1.20): killed after it, the webhook was restarted while it
              // served. A check that slow says the node is busy, not that the webhook is dead.
              livenessProbe: {
                exec: { command: ['python', 'gefyra/healthcheck.py'] },
                periodSeconds: 30,
                timeoutSeconds: 30,
                failureThreshold: 3,
              },
              readinessProbe: { ...webhookHealth(), periodSeconds: 5 },
              resources: { requests: { cpu: '20m', memory: '96Mi' }, limits: { memory: '192Mi' } },
              securityContext: CONTAINER_SECURITY_CONTEXT,
            },
          ],
        },
      },
    },
  };
}

function webhookService(namespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: WEBHOOK_SERVICE, namespace, labels },
    spec: { selector: WEBHOOK_POD_LABELS, ports: [{ protocol: 'TCP', port: 443, targetPort: 9443 }] },
  };
}

function webhookConfiguration(namespace: string): Manifest {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    metadata: { name: WEBHOOK_CONFIGURATION, labels },
    webhooks: WEBHOOK_PATHS.map((path) => ({
      name: `${path}.gefyra.dev`,
      admissionReviewVersions: ['v1', 'v1beta1'],
      clientConfig: { service: { name: WEBHOOK_SERVICE, namespace, path: `/${path}` } },
      // The operator's own writes pass through it too (contract §5).
      failurePolicy: 'Fail',
      matchPolicy: 'Equivalent',
      rules: [
        {
          apiGroups: ['gefyra.dev'],
          apiVersions: ['v1'],
          operations: ['CREATE', 'UPDATE'],
          resources: [WEBHOOK_RESOURCES[path]],
          scope: '*',
        },
      ],
      sideEffects: 'None',
      timeoutSeconds: 30,
    })),
  };
}

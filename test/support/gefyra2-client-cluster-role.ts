/**
 * The ClusterRole `gefyra:operator` the Gefyra 2.5 client gives the operator
 * and its webhook (contract §1): everything on the kinds it installs, the
 * three Gefyra 2 kinds, CRDs without `get`, webhook configurations create
 * and patch only; no Leases, no InterceptRequests, no status subresources of the
 * Gefyra kinds.
 */
export const GEFYRA2_CLIENT_CLUSTER_ROLE_RULES = [
  {
    apiGroups: ['', 'apps', 'batch', 'extensions', 'events.k8s.io', 'rbac.authorization.k8s.io', 'autoscaling'],
    resources: [
      'namespaces',
      'clusterroles',
      'clusterrolebindings',
      'serviceaccounts',
      'nodes',
      'configmaps',
      'secrets',
      'deployments',
      'statefulsets',
      'persistentvolumeclaims',
      'services',
      'pods',
      'pods/exec',
      'pods/status',
      'events',
      'horizontalpodautoscalers',
    ],
    verbs: ['*'],
  },
  { apiGroups: ['gefyra.dev'], resources: ['gefyraclients', 'gefyrabridges', 'gefyrabridgemounts'], verbs: ['*'] },
  {
    apiGroups: ['apiextensions.k8s.io'],
    resources: ['customresourcedefinitions'],
    verbs: ['create', 'patch', 'delete', 'list', 'watch'],
  },
  {
    apiGroups: ['admissionregistration.k8s.io'],
    resources: ['validatingwebhookconfigurations', 'mutatingwebhookconfigurations'],
    verbs: ['create', 'patch'],
  },
  { apiGroups: ['kopf.dev'], resources: ['clusterkopfpeerings'], verbs: ['list', 'watch', 'patch', 'get'] },
];

/** The ClusterRole the Gefyra 0.13 client creates, complete (docs/gefyra-components.md): shared by unit and e2e tests. */
export const CLIENT_CLUSTER_ROLE_RULES = [
  {
    apiGroups: ['apiextensions.k8s.io'],
    resources: ['customresourcedefinitions'],
    verbs: ['create', 'patch', 'delete', 'list', 'watch'],
  },
  { apiGroups: ['kopf.dev'], resources: ['clusterkopfpeerings'], verbs: ['create', 'patch'] },
  {
    apiGroups: ['', 'apps', 'extensions', 'events.k8s.io'],
    resources: [
      'namespaces',
      'configmaps',
      'secrets',
      'deployments',
      'services',
      'serviceaccounts',
      'pods',
      'pods/exec',
      'events',
    ],
    verbs: ['create', 'patch', 'update', 'delete', 'get', 'list'],
  },
  { apiGroups: ['gefyra.dev'], resources: ['interceptrequests'], verbs: ['*'] },
];

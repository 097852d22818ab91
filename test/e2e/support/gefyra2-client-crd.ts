import type { Manifest } from '../../../src/ports/cluster-api.port.js';

/**
 * A minimal copy of Gefyra 2.5's `gefyraclients` CRD (contract §2) for tests
 * of the client lifecycle: lowercase kind, fields at the top level, `state`
 * defaulting to REQUESTED, no status subresource, unknown fields pruned. The
 * operator's own registration of the three Gefyra 2 CRDs is another part of
 * issue 12; this copy only has to store what the lifecycle writes.
 */
export const GEFYRA_CLIENT_CRD: Manifest = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'gefyraclients.gefyra.dev' },
  spec: {
    group: 'gefyra.dev',
    scope: 'Namespaced',
    names: { plural: 'gefyraclients', singular: 'gefyraclient', kind: 'gefyraclient', shortNames: ['gclient', 'gclients'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              provider: { type: 'string' },
              providerParameter: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              providerConfig: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              serviceAccountName: { type: 'string' },
              serviceAccountData: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              maxConnectionAge: { type: 'integer' },
              lastClientContact: { type: 'string' },
              state: { type: 'string', default: 'REQUESTED' },
              stateTransitions: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              sunset: { type: 'string' },
            },
          },
        },
      },
    ],
  },
};

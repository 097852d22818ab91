import type { Manifest } from '../../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import type { OpenApiSchema } from '../../../crd/openapi-schema.js';

/**
 * The three CRDs of Gefyra 2 (contract §2), exactly as the 2.5 client reads
 * and writes them: group `gefyra.dev`, version v1, lowercase kinds, every
 * field at the top level (no spec), `state` defaulting to REQUESTED, no status
 * subresource (the operator writes `state` and `status` with plain patches).
 * Fields the schema does not name are pruned; the free-form ones
 * (providerParameter, providerConfig, status, ...) keep whatever they hold.
 */
export const GEFYRA2_GROUP = 'gefyra.dev';
export const GEFYRA2_VERSION = 'v1';
export const GEFYRA2_API_VERSION = `${GEFYRA2_GROUP}/${GEFYRA2_VERSION}`;

export const GEFYRA_CLIENT_KIND = 'gefyraclient';
export const GEFYRA_BRIDGE_KIND = 'gefyrabridge';
export const GEFYRA_BRIDGE_MOUNT_KIND = 'gefyrabridgemount';

/** What the operator writes into `state` first; the API server fills it in when the creator leaves it out. */
export const INITIAL_STATE = 'REQUESTED';

const text: OpenApiSchema = { type: 'string' };
const nullableText: OpenApiSchema = { type: 'string', nullable: true };
const freeForm: OpenApiSchema = { type: 'object', nullable: true, 'x-kubernetes-preserve-unknown-fields': true };
const stringMap: OpenApiSchema = { type: 'object', nullable: true, additionalProperties: { type: 'string' } };
const numberOrText: OpenApiSchema = { nullable: true, 'x-kubernetes-int-or-string': true };

/** Fields every Gefyra 2 kind has: its state machine, when it got into each state, and its end of life. */
const sharedFields: Record<string, OpenApiSchema> = {
  state: { type: 'string', default: INITIAL_STATE },
  stateTransitions: stringMap,
  status: freeForm,
  sunset: nullableText,
};

interface KindDefinition {
  readonly kind: string;
  readonly plural: string;
  readonly shortNames: readonly string[];
  readonly description: string;
  readonly fields: Record<string, OpenApiSchema>;
  readonly required?: readonly string[];
  readonly columns: readonly { name: string; jsonPath: string; priority?: number }[];
}

const KINDS: readonly KindDefinition[] = [
  {
    kind: GEFYRA_CLIENT_KIND,
    plural: 'gefyraclients',
    shortNames: ['gclient', 'gclients'],
    description: "A developer's connection to the cluster: a ServiceAccount and a WireGuard peer in Stowaway.",
    fields: {
      provider: text,
      providerParameter: freeForm,
      providerConfig: freeForm,
      serviceAccountName: nullableText,
      serviceAccountData: stringMap,
      maxConnectionAge: numberOrText,
      lastClientContact: nullableText,
    },
    required: ['provider'],
    columns: [
      { name: 'Provider', jsonPath: '.provider', priority: 1 },
      { name: 'Subnet', jsonPath: '.providerParameter.subnet', priority: 1 },
    ],
  },
  {
    kind: GEFYRA_BRIDGE_MOUNT_KIND,
    plural: 'gefyrabridgemounts',
    shortNames: ['gbridgemount', 'gbridgemounts'],
    description: 'A workload prepared for bridges: a shadow copy and its pods running Carrier2.',
    fields: {
      target: text,
      targetNamespace: text,
      targetContainer: text,
      provider: text,
      providerParameter: freeForm,
      missingGracePeriod: numberOrText,
    },
    columns: [
      { name: 'Target', jsonPath: '.target' },
      { name: 'Namespace', jsonPath: '.targetNamespace', priority: 1 },
    ],
  },
  {
    kind: GEFYRA_BRIDGE_KIND,
    plural: 'gefyrabridges',
    shortNames: ['gbridge', 'gbridges'],
    description: "Traffic of a mounted workload, matched by rules, routed to a developer's local container.",
    fields: {
      provider: text,
      connectionProvider: text,
      target: text,
      targetNamespace: nullableText,
      targetContainer: nullableText,
      client: text,
      destinationIP: nullableText,
      portMappings: { type: 'array', nullable: true, items: { type: 'string' } },
      providerParameter: freeForm,
      clusterEndpoint: stringMap,
    },
    columns: [
      { name: 'Mount', jsonPath: '.target' },
      { name: 'Client', jsonPath: '.client' },
    ],
  },
];

export const GEFYRA2_CRD_NAMES: readonly string[] = KINDS.map((definition) => `${definition.plural}.${GEFYRA2_GROUP}`);

export function gefyra2Crds(): Manifest[] {
  return KINDS.map(crdOf);
}

function crdOf(definition: KindDefinition): Manifest {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${definition.plural}.${GEFYRA2_GROUP}`, labels: { ...MANAGED_BY_LABELS } },
    spec: {
      group: GEFYRA2_GROUP,
      scope: 'Namespaced',
      names: {
        kind: definition.kind,
        listKind: `${definition.kind}List`,
        plural: definition.plural,
        singular: definition.kind,
        shortNames: [...definition.shortNames],
      },
      versions: [
        {
          name: GEFYRA2_VERSION,
          served: true,
          storage: true,
          additionalPrinterColumns: [
            { name: 'State', type: 'string', jsonPath: '.state' },
            ...definition.columns.map((column) => ({ type: 'string', ...column })),
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: definition.description,
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                ...sharedFields,
                ...definition.fields,
              },
              ...(definition.required ? { required: [...definition.required] } : {}),
            },
          },
        },
      ],
    },
  };
}

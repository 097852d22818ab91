import {
  INTERCEPT_REQUEST_API_VERSION,
  INTERCEPT_REQUEST_KIND,
} from '../domain/intercept-request/intercept-request.js';
import { interceptRequestWireFields } from '../domain/intercept-request/intercept-request-schema.js';
import { interceptStatusSchema } from '../domain/intercept-request/intercept-status.js';
import type { Manifest } from '../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../gefyra-release.js';
import { openApiSchemaOf } from './openapi-schema.js';

export const INTERCEPT_REQUEST_CRD_NAME = 'interceptrequests.gefyra.dev';

/**
 * The InterceptRequest CRD, generated from the domain's zod schemas so that the
 * API and the operator never disagree on a field. The schema types the fields
 * the Gefyra 0.13 client sends but leaves their rules to the operator, which
 * explains a bad request in its status instead of an admission error.
 * deploy/crd.yaml is this object as YAML; a test keeps the two in step.
 */
export function interceptRequestCrd(): Manifest {
  const [group, version] = INTERCEPT_REQUEST_API_VERSION.split('/') as [string, string];
  const fields = openApiSchemaOf(interceptRequestWireFields);
  const properties = fields['properties'] as Record<string, Record<string, unknown>>;
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: INTERCEPT_REQUEST_CRD_NAME, labels: { ...MANAGED_BY_LABELS } },
    spec: {
      group,
      scope: 'Namespaced',
      names: {
        kind: INTERCEPT_REQUEST_KIND,
        listKind: `${INTERCEPT_REQUEST_KIND}List`,
        plural: 'interceptrequests',
        singular: 'interceptrequest',
        shortNames: ['ireq'],
      },
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Target', type: 'string', jsonPath: '.targetPod' },
            { name: 'Namespace', type: 'string', jsonPath: '.targetNamespace', priority: 1 },
            { name: 'Container', type: 'string', jsonPath: '.targetContainer', priority: 1 },
            { name: 'Ports', type: 'string', jsonPath: '.portMappings' },
            { name: 'State', type: 'string', jsonPath: '.status.phase' },
            { name: 'Established', type: 'boolean', jsonPath: '.established' },
            { name: 'Reason', type: 'string', jsonPath: '.status.reason', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: {
              type: 'object',
              description: "A request of the Gefyra client to route a container's traffic to a local container.",
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                ...properties,
                established: { ...properties['established'], default: false },
                syncDownDirectories: { ...properties['syncDownDirectories'], default: [] },
                status: openApiSchemaOf(interceptStatusSchema),
              },
            },
          },
        },
      ],
    },
  };
}

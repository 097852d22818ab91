import type { ClusterApi, Manifest } from '../../../src/ports/cluster-api.port.js';
import { never } from './fixtures.js';
import { eventually } from '../../support/waiting.js';

export const WIDGET = { apiVersion: 'adaptertest.gefyra.dev/v1', kind: 'Widget' } as const;
export const GADGET = { apiVersion: 'adaptertest.gefyra.dev/v1', kind: 'Gadget' } as const;

/** A namespaced CRD with a status subresource, and a cluster-scoped one without. */
export function testCrds(): Manifest[] {
  const schema = {
    openAPIV3Schema: {
      type: 'object',
      properties: {
        spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      },
    },
  };
  const crd = (kind: string, plural: string, scope: string, withStatus: boolean): Manifest => ({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.adaptertest.gefyra.dev` },
    spec: {
      group: 'adaptertest.gefyra.dev',
      scope,
      names: { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List` },
      versions: [
        { name: 'v1', served: true, storage: true, schema, ...(withStatus ? { subresources: { status: {} } } : {}) },
      ],
    },
  });
  return [crd('Widget', 'widgets', 'Namespaced', true), crd('Gadget', 'gadgets', 'Cluster', false)];
}

/** Applies the test CRDs (idempotent) and waits until the API server serves them. */
export async function installTestCrds(api: ClusterApi): Promise<void> {
  for (const crd of testCrds()) {
    await api.apply(crd, never);
    await eventually(`CRD ${crd.metadata.name} Established`, async () => {
      const live = await api.find({ apiVersion: crd.apiVersion, kind: crd.kind, name: crd.metadata.name }, never);
      const conditions =
        (live?.['status'] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? [];
      return conditions.some((condition) => condition.type === 'Established' && condition.status === 'True')
        ? true
        : undefined;
    });
  }
}

import { describe, expect, it } from 'vitest';
import { GEFYRA2_CRD_NAMES, gefyra2Crds } from '../../../../../src/plugins/gefyra2/install/gefyra2-crds.js';

type Crd = {
  metadata: { name: string };
  spec: { group: string; scope: string; names: Record<string, unknown>; versions: Record<string, unknown>[] };
};

describe('the Gefyra 2 CRDs', () => {
  const crds = gefyra2Crds() as unknown as Crd[];

  it('are the three kinds of the 2.5 client: gefyra.dev/v1, namespaced, lowercase kinds, plurals and short names', () => {
    expect(
      crds.map((crd) => [
        crd.metadata.name,
        crd.spec.group,
        crd.spec.scope,
        crd.spec.names['kind'],
        crd.spec.names['shortNames'],
      ]),
    ).toEqual([
      ['gefyraclients.gefyra.dev', 'gefyra.dev', 'Namespaced', 'gefyraclient', ['gclient', 'gclients']],
      [
        'gefyrabridgemounts.gefyra.dev',
        'gefyra.dev',
        'Namespaced',
        'gefyrabridgemount',
        ['gbridgemount', 'gbridgemounts'],
      ],
      ['gefyrabridges.gefyra.dev', 'gefyra.dev', 'Namespaced', 'gefyrabridge', ['gbridge', 'gbridges']],
    ]);
    expect(GEFYRA2_CRD_NAMES).toEqual(crds.map((crd) => crd.metadata.name));
  });

  it('keep fields at the top level, default state to REQUESTED and have no status subresource', () => {
    for (const crd of crds) {
      const [version] = crd.spec.versions as [
        {
          name: string;
          subresources?: unknown;
          schema: { openAPIV3Schema: { properties: Record<string, Record<string, unknown>> } };
        },
      ];
      expect(version.name).toBe('v1');
      expect(version.subresources).toBeUndefined();
      const properties = version.schema.openAPIV3Schema.properties;
      expect(properties['spec']).toBeUndefined();
      expect(properties['state']).toEqual({ type: 'string', default: 'REQUESTED' });
      expect(properties['providerParameter']).toMatchObject({
        'x-kubernetes-preserve-unknown-fields': true,
        nullable: true,
      });
    }
  });
});

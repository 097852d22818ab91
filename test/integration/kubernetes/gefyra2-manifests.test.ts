import { describe, expect, it } from 'vitest';
import { KubeHttp } from '../../../src/adapters/kubernetes/client/kube-http.js';
import { ResourceCatalog, resourcePath } from '../../../src/adapters/kubernetes/client/resource-catalog.js';
import { isDomainError } from '../../../src/domain/errors.js';
import { gefyra2InstallManifests } from '../../../src/plugins/gefyra2/install/gefyra2-manifests.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { never } from './fixtures.js';

// deploy/gefyra2 as the real API server judges it: every object created with
// a server-side dry run (validation and admission, nothing stored), sent as
// raw JSON as the operator sends objects (client-node's object client would
// drop `x-kubernetes-*` schema keys), in a namespace of the test's own.
const controlPlane = useControlPlane();
const namespace = useTestNamespace('gefyra2-manifests');

describe('the Gefyra 2.x install manifests', () => {
  it('are all accepted by kube-apiserver (dry run)', async () => {
    const http = new KubeHttp(controlPlane.adminKubeConfig());
    const catalog = new ResourceCatalog(http);
    const manifests = gefyra2InstallManifests({
      namespace: namespace.name,
      image: 'registry.example/gefyra-operator:1',
    }).filter((manifest) => manifest.kind !== 'Namespace');
    const refused: string[] = [];
    for (const manifest of manifests) {
      const info = await catalog.resolve(manifest.apiVersion, manifest.kind, never);
      try {
        await http.send({
          method: 'POST',
          path: resourcePath(info, manifest.metadata.namespace),
          query: { dryRun: 'All' },
          body: manifest,
          action: { verb: 'create', resource: `${manifest.kind} ${manifest.metadata.name}` },
          signal: never,
        });
      } catch (error) {
        // A name another file's objects hold (the CRDs, RBAC of the same name) is no verdict on this definition; everything else is.
        if (!isDomainError(error, 'AlreadyExists'))
          refused.push(`${manifest.kind} ${manifest.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(refused).toEqual([]);
  });
});

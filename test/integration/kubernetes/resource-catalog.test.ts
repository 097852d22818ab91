import { describe, expect, it } from 'vitest';
import { KubeHttp, type KubeRequest } from '../../../src/adapters/kubernetes/client/kube-http.js';
import { ResourceCatalog } from '../../../src/adapters/kubernetes/client/resource-catalog.js';
import { isDomainError } from '../../../src/domain/errors.js';
import { useControlPlane } from '../../support/control-plane/vitest.js';
import { never } from './fixtures.js';

/** The real HTTP client, noting every path it requests. */
class RecordingKubeHttp extends KubeHttp {
  readonly paths: string[] = [];

  override async send(request: KubeRequest): Promise<unknown> {
    this.paths.push(request.path);
    return await super.send(request);
  }
}

describe('ResourceCatalog', () => {
  const cluster = useControlPlane();
  const catalog = () => {
    const http = new RecordingKubeHttp(cluster.adminKubeConfig());
    return { http, catalog: new ResourceCatalog(http) };
  };

  it('resolves core and grouped kinds through discovery', async () => {
    const { catalog: resources } = catalog();
    expect(await resources.resolve('v1', 'Pod', never)).toEqual({
      group: '',
      version: 'v1',
      kind: 'Pod',
      plural: 'pods',
      namespaced: true,
    });
    expect(await resources.resolve('apps/v1', 'Deployment', never)).toMatchObject({
      group: 'apps',
      plural: 'deployments',
      namespaced: true,
    });
    expect(await resources.resolve('v1', 'Namespace', never)).toMatchObject({
      plural: 'namespaces',
      namespaced: false,
    });
  });

  it('asks the API server once per group version, even for concurrent lookups', async () => {
    const { http, catalog: resources } = catalog();
    const kinds = ['Pod', 'Service', 'ConfigMap', 'Secret', 'Pod', 'Service', 'ConfigMap', 'Secret'];

    const resolved = await Promise.all(kinds.map(async (kind) => await resources.resolve('v1', kind, never)));
    await resources.resolve('v1', 'Pod', never);

    expect(resolved.map((info) => info.kind)).toEqual(kinds);
    expect(http.paths).toEqual(['/api/v1']);
  });

  it('lets one waiter give up without failing the others', async () => {
    const { http, catalog: resources } = catalog();
    const impatient = new AbortController();
    const first = resources.resolve('apps/v1', 'Deployment', impatient.signal);
    const second = resources.resolve('apps/v1', 'StatefulSet', never);
    impatient.abort();

    await expect(first).rejects.toSatisfy((error) => isDomainError(error, 'Aborted'));
    expect(await second).toMatchObject({ plural: 'statefulsets' });
    expect(http.paths).toEqual(['/apis/apps/v1']);
  });

  it('looks an unknown kind up again (its CRD may be new) and says how to fix it', async () => {
    const { http, catalog: resources } = catalog();
    for (let attempt = 0; attempt < 2; attempt++) {
      await expect(resources.resolve('v1', 'Gadget', never)).rejects.toSatisfy(
        (error) => isDomainError(error, 'NotFound') && /CustomResourceDefinition installed/.test(error.message),
      );
    }
    await expect(resources.resolve('nothing.example/v1', 'Gadget', never)).rejects.toSatisfy((error) =>
      isDomainError(error, 'NotFound'),
    );
    expect(http.paths).toEqual(['/api/v1', '/api/v1', '/apis/nothing.example/v1']);
  });
});

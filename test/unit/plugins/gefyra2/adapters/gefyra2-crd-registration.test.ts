import { describe, expect, it } from 'vitest';
import { registerGefyra2Crds } from '../../../../../src/plugins/gefyra2/adapters/gefyra2-crd-registration.js';
import { SimulatedCluster } from '../../../../support/simulated-cluster/index.js';
import { silentLogger } from '../../../../../src/adapters/system/pino-logger.js';
import { gefyra2Crds } from '../../../../../src/plugins/gefyra2/install/gefyra2-crds.js';
import { DomainError } from '../../../../../src/domain/errors.js';
import { signal } from '../../../../support/scenario.js';

const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

describe('registering the Gefyra 2 CRDs', () => {
  it('creates the three without reading any (the 2.5 client role has no get on CRDs)', async () => {
    const cluster = new SimulatedCluster();
    await registerGefyra2Crds(cluster, silentLogger, signal);
    const names = (await cluster.list(CRD, undefined, undefined, signal)).map((crd) => crd.metadata.name).sort();
    expect(names).toEqual(['gefyrabridgemounts.gefyra.dev', 'gefyrabridges.gefyra.dev', 'gefyraclients.gefyra.dev']);
    expect(cluster.callCount('find')).toBe(0);
  });

  it('brings an existing definition to ours and leaves its labels and annotations whose they are', async () => {
    const cluster = new SimulatedCluster();
    const [clients] = gefyra2Crds();
    const spec = clients!['spec'] as Record<string, unknown>;
    await cluster.create(
      {
        ...clients!,
        metadata: { name: clients!.metadata.name, labels: { owner: 'gefyra' } },
        spec: { ...spec, versions: [] },
      },
      signal,
    );
    await registerGefyra2Crds(cluster, silentLogger, signal);
    await registerGefyra2Crds(cluster, silentLogger, signal);
    const stored = await cluster.find({ ...CRD, name: 'gefyraclients.gefyra.dev' }, signal);
    expect(stored?.metadata.labels).toEqual({ owner: 'gefyra' });
    expect(stored?.['spec']).toEqual(spec);
  });
});

describe('registering the Gefyra 2 CRDs where they were applied from deploy/gefyra2', () => {
  it('accepts a refused create when the CRD is there, and says what to apply when it is not', async () => {
    const cluster = new SimulatedCluster();
    for (const crd of gefyra2Crds()) await cluster.create(crd, signal);
    for (let count = 0; count < 3; count += 1) cluster.failNext('create', new DomainError('Forbidden', 'no create'));
    await registerGefyra2Crds(cluster, silentLogger, signal);
    const empty = new SimulatedCluster();
    empty.failNext('create', new DomainError('Forbidden', 'no create'));
    await expect(registerGefyra2Crds(empty, silentLogger, signal)).rejects.toThrow(
      /gefyraclients.gefyra.dev is not installed[\s\S]*deploy\/gefyra2/,
    );
  });
});

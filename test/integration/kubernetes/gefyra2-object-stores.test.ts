import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { silentLogger } from '../../../src/adapters/system/pino-logger.js';
import { isDomainError } from '../../../src/domain/errors.js';
import { ClusterGefyra2ObjectStore } from '../../../src/plugins/gefyra2/adapters/cluster-gefyra2-object-store.js';
import { registerGefyra2Crds } from '../../../src/plugins/gefyra2/adapters/gefyra2-crd-registration.js';
import { GEFYRA_BRIDGE_KIND, gefyraBridgeFrom } from '../../../src/plugins/gefyra2/domain/bridge/gefyra-bridge.js';
import { GEFYRA_FINALIZER } from '../../../src/plugins/gefyra2/domain/lifecycle.js';
import { bridgeMountFrom, GEFYRA_BRIDGE_MOUNT_KIND } from '../../../src/plugins/gefyra2/domain/mount/bridge-mount.js';
import { GEFYRA2_CRD_NAMES } from '../../../src/plugins/gefyra2/install/gefyra2-crds.js';
import { useControlPlane, useTestNamespace } from '../../support/control-plane/vitest.js';
import { removeClusterObjects } from '../../e2e/support/cluster-cleanup.js';
import { never } from './fixtures.js';

// The mount and bridge stores on the real API server with Gefyra 2's CRDs:
// what the lifecycles write (state, µs stateTransitions, status.failure,
// clusterEndpoint) survives the schema's pruning, writes are conditional on
// the version read, finalizers hold a deleted object until released.
describe('GefyraBridgeMount and GefyraBridge stores on the real API server', () => {
  const cluster = useControlPlane();
  const namespace = useTestNamespace('gefyra2-stores');
  const api = () => new KubernetesClusterApi(cluster.adminKubeConfig());
  const mounts = () => new ClusterGefyra2ObjectStore(api(), GEFYRA_BRIDGE_MOUNT_KIND, (o) => bridgeMountFrom(o, 5000));
  const bridges = () => new ClusterGefyra2ObjectStore(api(), GEFYRA_BRIDGE_KIND, gefyraBridgeFrom);

  beforeAll(async () => {
    await registerGefyra2Crds(api(), silentLogger, never);
    // Served once Established: list until it answers.
    for (let attempt = 0; ; attempt++) {
      try {
        await mounts().list(namespace.name, undefined, never);
        await bridges().list(namespace.name, undefined, never);
        return;
      } catch (error) {
        if (!isDomainError(error, 'NotFound') || attempt > 100) throw error;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });
  // The CRDs are cluster-wide: the next file starts without them (their objects go with them).
  afterAll(async () => {
    const crd = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
    await removeClusterObjects(
      cluster.adminKubeConfig(),
      api(),
      GEFYRA2_CRD_NAMES.map((name) => ({ ...crd, name })),
    );
  });

  it('keeps what the mount lifecycle writes, refuses a write from a stale read, and holds a deleted mount until its finalizer goes', async () => {
    const ref = { namespace: namespace.name, name: 'web-mount' };
    await api().create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: GEFYRA_BRIDGE_MOUNT_KIND,
        metadata: ref,
        provider: 'carrier2mount',
        target: 'deploy/web',
        targetNamespace: 'shop',
        targetContainer: 'app',
        missingGracePeriod: 120,
      },
      never,
    );
    const created = (await mounts().find(ref, never))!;
    expect(created).toMatchObject({ state: 'REQUESTED', target: 'deploy/web', missingGracePeriodMs: 120_000 });
    const held = await mounts().addFinalizer(created, never);
    expect(held.finalizers).toEqual([GEFYRA_FINALIZER]);
    const written = await mounts().update(
      held,
      {
        state: 'ERROR',
        stateTransitions: { ERROR: '2026-12-07T12:00:00.123000Z' },
        status: { failure: { reason: 'ContainerNotFound', message: 'no container app' } },
      },
      never,
    );
    expect(written).toMatchObject({
      state: 'ERROR',
      stateTransitions: { ERROR: '2026-12-07T12:00:00.123000Z' },
      failure: { reason: 'ContainerNotFound', message: 'no container app' },
    });
    // A write from the read before: Conflict, nothing overwritten.
    await expect(mounts().update(held, { state: 'ACTIVE' }, never)).rejects.toMatchObject({ kind: 'Conflict' });
    const cleared = await mounts().update(written, { status: { failure: null } }, never);
    expect(cleared.failure).toBeUndefined();

    await mounts().remove(cleared, never);
    const deleting = (await mounts().find(ref, never))!;
    expect(deleting.deleting).toBe(true);
    await mounts().removeFinalizer(deleting, never);
    expect(await mounts().find(ref, never)).toBeUndefined();
    // Released twice (a retry after a lost answer): fine.
    await mounts().removeFinalizer(deleting, never);
  });

  it('keeps a bridge’s clusterEndpoint and lists the bridges of one mount by its label', async () => {
    const bridge = (name: string, mount: string) =>
      api().create(
        {
          apiVersion: 'gefyra.dev/v1',
          kind: GEFYRA_BRIDGE_KIND,
          metadata: {
            name,
            namespace: namespace.name,
            labels: { 'gefyra.dev/bridge-mount': mount, 'gefyra.dev/client': 'dev-a' },
          },
          provider: 'carrier2',
          connectionProvider: 'stowaway',
          target: mount,
          client: 'dev-a',
          destinationIP: '172.18.0.3',
          portMappings: ['8000:8080'],
          providerParameter: { rules: [{ match: [{ matchHeader: { name: 'x-user', value: 'alice' } }] }] },
        },
        never,
      );
    await bridge('bridge-a', 'web-mount');
    await bridge('bridge-b', 'api-mount');
    const listed = await bridges().list(namespace.name, { 'gefyra.dev/bridge-mount': 'web-mount' }, never);
    expect(listed.map((entry) => entry.name)).toEqual(['bridge-a']);
    const written = await bridges().update(
      listed[0]!,
      { state: 'ACTIVE', clusterEndpoint: { 8080: 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' } },
      never,
    );
    expect(written).toMatchObject({
      state: 'ACTIVE',
      mount: 'web-mount',
      client: 'dev-a',
      clientLabel: 'dev-a',
      clusterEndpoint: { 8080: 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' },
      providerParameter: { rules: [{ match: [{ matchHeader: { name: 'x-user', value: 'alice' } }] }] },
    });
  });
});

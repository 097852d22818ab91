import { describe, expect, it } from 'vitest';
import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesWatchSource } from '../../src/adapters/kubernetes/client/index.js';
import { runReset } from '../../src/cli/reset-command.js';
import {
  GEFYRA2_API_VERSION,
  GEFYRA2_CRD_NAMES,
  GEFYRA_BRIDGE_KIND,
  GEFYRA_BRIDGE_MOUNT_KIND,
} from '../../src/plugins/gefyra2/install/gefyra2-crds.js';
import { GEFYRA_CLIENT_KIND } from '../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import type { WatchEvent, WatchSpec } from '../../src/adapters/runtime/watch-source.js';
import { useGefyra2OnSimulatedNode } from './support/use-gefyra2.js';
import { waitForGone } from './support/cluster-waits.js';

const signal = () => AbortSignal.timeout(30_000);
const RBAC = 'rbac.authorization.k8s.io/v1';

/** Every namespaced kind the installation and its clients create (Events are allowed to stay). */
const NAMESPACED_KINDS = [
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'v1', kind: 'Pod' },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ServiceAccount' },
  { apiVersion: 'v1', kind: 'Secret' },
  { apiVersion: RBAC, kind: 'Role' },
  { apiVersion: RBAC, kind: 'RoleBinding' },
] as const;

/** What any namespace holds of its own (its default account and token, the cluster's CA bundle): not the installation's. */
const ownedByTheNamespace = (object: Manifest) =>
  object.metadata.name === 'kube-root-ca.crt' ||
  object.metadata.name === 'default' ||
  object.metadata.name.startsWith('default-token-');

// Issue 18, item 6: `gefyra-operator reset --yes` in the Gefyra 2.x contract,
// on the real API server, with a running GefyraClient controller (as a
// running operator would be) and Stowaway 2.x answered by the simulated node:
// first `--keep-operator` (clients, accounts, Stowaway and the role the
// operator made go; nothing else of Gefyra stays in the namespace), then the
// whole installation (namespace, CRDs, webhook configuration). Every kind it
// created is listed afterwards; the deletion order comes from the watch
// events' resourceVersions, which etcd orders across kinds.
describe('gefyra-operator reset in the Gefyra 2.x contract', () => {
  const { controlPlane, namespace, g } = useGefyra2OnSimulatedNode('g2reset');
  const reset = async (keepOperator: boolean) => {
    const io = {
      stdout: '',
      stderr: '',
      out: (text: string) => void (io.stdout += `${text}\n`),
      err: (text: string) => void (io.stderr += `${text}\n`),
    };
    const code = await runReset({
      environment: { GEFYRA_CLIENT_CONTRACT: '2' },
      kubeconfig: controlPlane.kubeconfigPath,
      namespace: namespace.name,
      keepOperator,
      confirmed: true,
      io,
    });
    return { code, ...io };
  };
  const leftInNamespace = async () => {
    const left: string[] = [];
    for (const kind of NAMESPACED_KINDS) {
      for (const object of await g().api.list(kind, namespace.name, undefined, signal()))
        if (!ownedByTheNamespace(object)) left.push(`${kind.kind} ${object.metadata.name}`);
    }
    return left;
  };
  const clusterScopedLeft = async () => {
    const bindings = (
      await g().api.list({ apiVersion: RBAC, kind: 'ClusterRoleBinding' }, undefined, undefined, signal())
    ).filter((binding) =>
      ((binding['subjects'] ?? []) as { namespace?: string }[]).some((subject) => subject.namespace === namespace.name),
    );
    const roles = (
      await g().api.list({ apiVersion: RBAC, kind: 'ClusterRole' }, undefined, undefined, signal())
    ).filter((role) => role.metadata.name === 'gefyra-client');
    const crds = (
      await g().api.list(
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
        undefined,
        undefined,
        signal(),
      )
    ).filter((crd) => (GEFYRA2_CRD_NAMES as readonly string[]).includes(crd.metadata.name));
    return [...bindings, ...roles, ...crds].map((object) => `${object.kind ?? ''} ${object.metadata.name}`);
  };

  it(
    '--keep-operator removes the clients (each after its own clean-up), their accounts, ' +
      'Stowaway 2.x and the gefyra-client role; then the rest goes too',
    async () => {
      const { api, ref } = g();
      // dev-a connected (a peer in Stowaway), dev-b waiting (an account, no peer), dev-c removed with `--force`, dev-d's account left over.
      await g().create('dev-a');
      await g().waitForClient('dev-a', (client) => client?.state === 'WAITING', 'WAITING');
      await g().setSubnet('dev-a', '172.18.0.0/16');
      await g().waitForClient('dev-a', (client) => client?.state === 'ACTIVE', 'ACTIVE');
      await g().create('dev-b');
      await g().waitForClient('dev-b', (client) => client?.state === 'WAITING', 'WAITING');
      await g().create('dev-c');
      await g().waitForClient('dev-c', (client) => client?.state === 'WAITING', 'WAITING');
      await api.patch(ref('dev-c'), { metadata: { finalizers: null } }, signal());
      await api.remove(ref('dev-c'), signal());
      await g().waitForClient('dev-c', (client) => client === undefined, 'gone by force');
      await api.create(
        {
          apiVersion: GEFYRA2_API_VERSION,
          kind: GEFYRA_BRIDGE_MOUNT_KIND,
          metadata: { name: 'web', namespace: namespace.name },
          provider: 'carrier2mount',
          target: 'deployment/web',
          targetNamespace: 'default',
          targetContainer: 'web',
        },
        signal(),
      );
      await api.create(
        {
          apiVersion: GEFYRA2_API_VERSION,
          kind: GEFYRA_BRIDGE_KIND,
          metadata: {
            name: 'web-dev-a',
            namespace: namespace.name,
            labels: { 'gefyra.dev/bridge-mount': 'web', 'gefyra.dev/client': 'dev-a' },
          },
          provider: 'carrier2',
          connectionProvider: 'stowaway',
          target: 'web',
          client: 'dev-a',
          destinationIP: '172.18.0.3',
          portMappings: ['8080:80'],
        },
        signal(),
      );
      // The running controller cleans up after a client gone by force.
      await waitForGone(controlPlane.adminKubeConfig(), {
        apiVersion: RBAC,
        kind: 'ClusterRoleBinding',
        name: 'gefyra-rolebinding-gefyra-client-dev-c',
      });
      await waitForGone(controlPlane.adminKubeConfig(), {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        namespace: namespace.name,
        name: 'gefyra-client-dev-c',
      });
      // An account whose client went while no operator ran: the reset finds it by its name and its binding.
      await api.create(
        {
          apiVersion: 'v1',
          kind: 'ServiceAccount',
          metadata: { name: 'gefyra-client-dev-d', namespace: namespace.name },
        },
        signal(),
      );
      await api.create(
        {
          apiVersion: RBAC,
          kind: 'ClusterRoleBinding',
          metadata: { name: 'gefyra-rolebinding-gefyra-client-dev-d' },
          roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'gefyra-client' },
          subjects: [{ kind: 'ServiceAccount', name: 'gefyra-client-dev-d', namespace: namespace.name }],
        },
        signal(),
      );
      expect(await clusterScopedLeft()).toEqual(
        expect.arrayContaining([
          'ClusterRole gefyra-client',
          'ClusterRoleBinding gefyra-rolebinding-gefyra-client-dev-a',
          'ClusterRoleBinding gefyra-rolebinding-gefyra-client-dev-d',
        ]),
      );

      const deletions = recordDeletions(controlPlane.adminKubeConfig(), [
        { apiVersion: GEFYRA2_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace: namespace.name },
        { apiVersion: 'v1', kind: 'ServiceAccount', namespace: namespace.name },
        { apiVersion: 'v1', kind: 'Secret', namespace: namespace.name },
        { apiVersion: RBAC, kind: 'ClusterRoleBinding' },
        { apiVersion: 'v1', kind: 'ConfigMap', namespace: namespace.name },
      ]);
      await deletions.synced;
      try {
        const kept = await reset(true);
        expect(kept).toMatchObject({ code: 0, stderr: '' });
        expect(kept.stdout).toContain('removed');
      } finally {
        await deletions.stop();
      }

      // Released only after its clean-up: dev-a's peer left Stowaway's configuration, and its account, token and binding were deleted, before dev-a was.
      const at = (predicate: (event: WatchEvent) => boolean, what: string) => {
        const event = deletions.events.find(predicate);
        if (event === undefined) throw new Error(`no watch event for ${what}`);
        return Number(event.object.metadata.resourceVersion);
      };
      const clientGone = at(
        (event) =>
          event.type === 'DELETED' &&
          event.object.kind === GEFYRA_CLIENT_KIND &&
          event.object.metadata.name === 'dev-a',
        'dev-a deleted',
      );
      const peerGone = at(
        (event) =>
          event.object.metadata.name === STOWAWAY2.configMap &&
          !String((event.object['data'] as Record<string, string> | undefined)?.['PEERS'] ?? '').includes('dev000a'),
        'the peer of dev-a removed',
      );
      const accountGone = at(
        (event) =>
          event.type === 'DELETED' &&
          event.object.kind === 'ServiceAccount' &&
          event.object.metadata.name === 'gefyra-client-dev-a',
        'its ServiceAccount deleted',
      );
      const tokenGone = at(
        (event) =>
          event.type === 'DELETED' &&
          event.object.kind === 'Secret' &&
          event.object.metadata.name === 'gefyra-client-dev-a-token',
        'its token deleted',
      );
      const bindingGone = at(
        (event) => event.type === 'DELETED' && event.object.metadata.name === 'gefyra-rolebinding-gefyra-client-dev-a',
        'its binding deleted',
      );
      expect({
        peerGone: peerGone < clientGone,
        accountGone: accountGone < clientGone,
        tokenGone: tokenGone < clientGone,
        bindingGone: bindingGone < clientGone,
      }).toEqual({
        peerGone: true,
        accountGone: true,
        tokenGone: true,
        bindingGone: true,
      });

      // Nothing of Gefyra is left in the namespace (Stowaway's StatefulSet, pod, claim, ConfigMaps, Services, accounts, tokens), nor bound to it cluster-wide.
      await waitForGone(controlPlane.adminKubeConfig(), {
        apiVersion: 'v1',
        kind: 'Pod',
        namespace: namespace.name,
        name: STOWAWAY2.pod,
      });
      await waitForGone(controlPlane.adminKubeConfig(), {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace: namespace.name,
        name: `${STOWAWAY2.claimTemplate}-${STOWAWAY2.pod}`,
      });
      expect(await leftInNamespace()).toEqual([]);
      for (const kind of [GEFYRA_CLIENT_KIND, GEFYRA_BRIDGE_KIND, GEFYRA_BRIDGE_MOUNT_KIND])
        expect(await api.list({ apiVersion: GEFYRA2_API_VERSION, kind }, namespace.name, undefined, signal())).toEqual(
          [],
        );
      // The CRDs stay with --keep-operator: the operator still serves them.
      expect((await clusterScopedLeft()).sort()).toEqual(
        GEFYRA2_CRD_NAMES.map((name) => `CustomResourceDefinition ${name}`).sort(),
      );

      // Without --keep-operator: the CRDs, the webhook configuration and the namespace too.
      expect(await reset(false)).toMatchObject({ code: 0, stderr: '' });
      await waitForGone(controlPlane.adminKubeConfig(), { apiVersion: 'v1', kind: 'Namespace', name: namespace.name });
      for (const name of GEFYRA2_CRD_NAMES)
        await waitForGone(controlPlane.adminKubeConfig(), {
          apiVersion: 'apiextensions.k8s.io/v1',
          kind: 'CustomResourceDefinition',
          name,
        });
      expect(await clusterScopedLeft()).toEqual([]);
      expect(await leftInNamespace()).toEqual([]);
    },
    240_000,
  );
});

/** Every watch event of the kinds, with its type: the order of deletions across kinds is in their resourceVersions. */
function recordDeletions(kubeConfig: KubeConfig, specs: readonly WatchSpec[]) {
  const events: WatchEvent[] = [];
  const source = new KubernetesWatchSource(kubeConfig);
  const subscriptions = specs.map((spec) =>
    source.watch(
      spec,
      (event) => events.push({ type: event.type, object: { ...event.object, kind: event.object.kind ?? spec.kind } }),
      () => undefined,
    ),
  );
  return {
    events,
    synced: Promise.all(subscriptions.map((subscription) => subscription.synced)),
    stop: async () => await Promise.all(subscriptions.map((subscription) => subscription.stop())),
  };
}

// The 2.5 client's own `gefyra uninstall` (client-reads.md "uninstall"): it
// strips every finalizer first and deletes the clients, then the namespace
// and the CRDs, within moments. The namespaced objects go with the namespace;
// a running controller cleans up after a client gone by force, and where it
// does not get to it (its rights went first), the cluster-scoped objects made
// for clients (their bindings, the gefyra-client role) are dependents of the
// gefyraclients CRD, which kube-controller-manager's garbage collector
// removes with it.
describe("the Gefyra 2.5 client's own uninstall (finalizers stripped first)", () => {
  const { controlPlane, namespace, g: started } = useGefyra2OnSimulatedNode('g2uninst');

  it('leaves no binding of a client and no gefyra-client role the operator made once the namespace and the CRDs are gone', async () => {
    const g = started();
    const { api, ref } = g;
    await g.create('dev-a');
    await g.waitForClient('dev-a', (client) => client?.state === 'WAITING', 'WAITING');
    await g.setSubnet('dev-a', '172.18.0.0/16');
    await g.waitForClient('dev-a', (client) => client?.state === 'ACTIVE', 'ACTIVE');
    const binding = { apiVersion: RBAC, kind: 'ClusterRoleBinding', name: 'gefyra-rolebinding-gefyra-client-dev-a' };
    const role = await api.find({ apiVersion: RBAC, kind: 'ClusterRole', name: 'gefyra-client' }, signal());
    expect(await api.find(binding, signal())).toMatchObject({
      metadata: {
        ownerReferences: [
          expect.objectContaining({ kind: 'CustomResourceDefinition', name: 'gefyraclients.gefyra.dev' }),
        ],
      },
    });

    // misc/uninstall.py: finalizers None + DELETE, then the namespace, then the CRDs.
    await api.patch(ref('dev-a'), { metadata: { finalizers: null } }, signal());
    await api.remove(ref('dev-a'), signal());
    await g.waitForClient('dev-a', (client) => client === undefined, 'gone by force');
    await api.remove({ apiVersion: 'v1', kind: 'Namespace', name: namespace.name }, signal());
    for (const name of GEFYRA2_CRD_NAMES)
      await api.remove({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name }, signal());

    await waitForGone(controlPlane.adminKubeConfig(), binding);
    // The role goes with the CRD only where the operator made it (another file may have left one of its own, without an owner).
    if ((role?.metadata.ownerReferences ?? []).length > 0)
      await waitForGone(controlPlane.adminKubeConfig(), {
        apiVersion: RBAC,
        kind: 'ClusterRole',
        name: 'gefyra-client',
      });
    await waitForGone(controlPlane.adminKubeConfig(), { apiVersion: 'v1', kind: 'Namespace', name: namespace.name });
    const bound = (
      await api.list({ apiVersion: RBAC, kind: 'ClusterRoleBinding' }, undefined, undefined, signal())
    ).filter((candidate) =>
      ((candidate['subjects'] ?? []) as { namespace?: string }[]).some(
        (subject) => subject.namespace === namespace.name,
      ),
    );
    expect(bound.map((candidate) => candidate.metadata.name)).toEqual([]);
  }, 240_000);
});

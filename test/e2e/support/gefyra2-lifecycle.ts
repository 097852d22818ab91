import { StoredClientBridges } from '../../../src/plugins/gefyra2/domain/bridge/client-bridges.js';
import { bridgeServices, gefyraBridgesOn } from '../../../src/plugins/gefyra2/bridge-services.js';
import { GefyraBridgeController } from '../../../src/plugins/gefyra2/adapters/gefyra-bridge-controller.js';
import { GefyraBridgeMountController } from '../../../src/plugins/gefyra2/adapters/gefyra-bridge-mount-controller.js';
import { missingGracePeriodMsOf } from '../../../src/plugins/gefyra2/gefyra2-config.js';
import { Stowaway2Routes } from '../../../src/plugins/gefyra2/tunnel/stowaway2-routes.js';
import { Carrier2Installer } from '../../../src/plugins/carrier2/carrier2-installer.js';
import { carrier2SettingsOf } from '../../../src/plugins/carrier2/carrier2-settings.js';
import type { Controller } from '../../../src/adapters/runtime/controller.js';
import type { CarrierInstaller } from '../../../src/ports/carrier-installer.port.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { ClusterClientAccounts } from '../../../src/plugins/gefyra2/adapters/cluster-client-accounts.js';
import { ClusterEventRecorder } from '../../../src/adapters/kubernetes/cluster-stores/cluster-event-recorder.js';
import { ClusterGefyraClientStore } from '../../../src/plugins/gefyra2/adapters/cluster-gefyra-client-store.js';
import { KubernetesClusterApi, KubernetesWatchSource } from '../../../src/adapters/kubernetes/client/index.js';
import { GefyraClientController } from '../../../src/plugins/gefyra2/adapters/gefyra-client-controller.js';
import { WorkQueue } from '../../../src/adapters/runtime/work-queue.js';
import { silentLogger } from '../../../src/adapters/system/pino-logger.js';
import { systemClock } from '../../../src/adapters/system/system-clock.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
  gefyraClientFrom,
  type GefyraClient,
} from '../../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import type { ClientLifecycleSettings } from '../../../src/plugins/gefyra2/domain/client/client-decision.js';
import { GefyraClientService } from '../../../src/plugins/gefyra2/domain/client/gefyra-client-service.js';
import { STOWAWAY2 } from '../../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { Stowaway2Installer } from '../../../src/plugins/gefyra2/tunnel/stowaway2-installer.js';
import { Stowaway2Peers } from '../../../src/plugins/gefyra2/tunnel/stowaway2-peers.js';
import { stowaway2SettingsOf } from '../../../src/plugins/gefyra2/tunnel/stowaway2-settings.js';
import { pluginContext } from '../../support/plugin-context.js';
import { absentObjects, removeClusterObjects } from './cluster-cleanup.js';
import { waitForObjects } from './cluster-waits.js';
import { registerGefyra2Crds } from '../../../src/plugins/gefyra2/adapters/gefyra2-crd-registration.js';
import { GEFYRA2_CRD_NAMES } from '../../../src/plugins/gefyra2/install/gefyra2-crds.js';

const signal = () => AbortSignal.timeout(30_000);

/**
 * Gefyra 2 in a test namespace of the real API server: the Gefyra 2 CRDs
 * (as the operator registers them), a PersistentVolume pre-bound to Stowaway's claim (no
 * provisioner here), Stowaway 2.x installed by the plugin, and the
 * GefyraClient, GefyraBridgeMount and GefyraBridge controllers (built as
 * gefyra2Module builds them, carrier2 the loaded carrier) each running on a
 * work queue fed by watches, as the runtime runs them. `stop` ends the
 * controllers and removes the cluster-scoped objects the namespace's
 * deletion does not.
 */
export async function startGefyra2(
  kubeConfig: KubeConfig,
  namespace: string,
  options: {
    readonly image?: string;
    readonly lifecycle?: Partial<ClientLifecycleSettings>;
    /** Wraps the loaded carriers (carrier2), e.g. for a benchmark to time their configuration pushes. */
    readonly carriers?: (loaded: readonly CarrierInstaller[]) => readonly CarrierInstaller[];
  } = {},
) {
  const api = new KubernetesClusterApi(kubeConfig, 'gefyra-e2e');
  // CRDs are cluster-wide: the ones this file registers it removes again, so the next file starts without them.
  // So is the ClusterRole the developers' accounts are bound to, which the operator makes when missing.
  const absentBefore = await absentObjects(api, [
    ...GEFYRA2_CRD_NAMES.map((name) => ({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      name,
    })),
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: 'gefyra-client' },
  ]);
  // The operator's own CRDs, registered as the operator registers them.
  await registerGefyra2Crds(api, silentLogger, signal());
  await untilServed(api);
  const volume = await preboundStowawayVolume(api, namespace);
  const environment = options.image === undefined ? {} : { GEFYRA_STOWAWAY_IMAGE: options.image };
  const context = pluginContext(environment, namespace);
  const settings = stowaway2SettingsOf(context);
  await new Stowaway2Installer(api, settings).ensureInstalled(signal());
  const events = new ClusterEventRecorder(api, systemClock, silentLogger, namespace, 'e2e');
  const service = new GefyraClientService(
    {
      store: new ClusterGefyraClientStore(api),
      peers: new Stowaway2Peers(api, settings),
      accounts: new ClusterClientAccounts(api, namespace),
      bridges: new StoredClientBridges(gefyraBridgesOn(api)),
      events,
      clock: systemClock,
      logger: silentLogger,
    },
    { manageServiceAccounts: true, maxConnectionAgeMs: undefined, observeIntervalMs: 60_000, ...options.lifecycle },
  );
  const loaded = [new Carrier2Installer(api, systemClock, carrier2SettingsOf(context))];
  const installers = options.carriers?.(loaded) ?? loaded;
  const { mounts, bridges } = bridgeServices(
    {
      cluster: api,
      routes: new Stowaway2Routes(api, systemClock, namespace),
      installers,
      events,
      clock: systemClock,
      logger: silentLogger,
    },
    { missingGracePeriodMs: missingGracePeriodMsOf(environment), destinationSubnets: undefined },
  );
  const runs = [
    new GefyraClientController(service, namespace, STOWAWAY2.labels),
    new GefyraBridgeMountController(mounts, namespace, installers),
    new GefyraBridgeController(bridges, namespace, silentLogger),
  ].map((controller) => runOnWatches(controller, kubeConfig));

  return {
    ...gefyra2ClientCalls(api, kubeConfig, namespace),
    stop: async () => {
      for (const stop of runs) await stop();
      await api.remove({ apiVersion: 'v1', kind: 'PersistentVolume', name: volume }, signal());
      await removeClientBindings(api, namespace);
      await removeClusterObjects(kubeConfig, api, absentBefore);
    },
  };
}

/**
 * A PersistentVolume pre-bound to Stowaway 2.x's claim (no provisioner on the
 * local control plane); cluster-scoped, so its caller removes it by the name returned.
 */
export async function preboundStowawayVolume(api: KubernetesClusterApi, namespace: string): Promise<string> {
  const volume = `gefyra2-e2e-${namespace}`;
  await api.create(
    {
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: volume },
      spec: {
        capacity: { storage: '64Mi' },
        accessModes: ['ReadWriteOnce'],
        hostPath: { path: `/tmp/${volume}` },
        claimRef: { namespace, name: `${STOWAWAY2.claimTemplate}-${STOWAWAY2.pod}` },
      },
    },
    signal(),
  );
  return volume;
}

/** The ClusterRoleBindings of the developers' ServiceAccounts in `namespace` (cluster-scoped: the namespace's deletion leaves them). */
export async function removeClientBindings(api: KubernetesClusterApi, namespace: string): Promise<void> {
  for (const binding of await api.list(
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
    undefined,
    undefined,
    signal(),
  )) {
    const subjects = (binding['subjects'] ?? []) as { namespace?: string }[];
    if (subjects.some((subject) => subject.namespace === namespace))
      await api.remove(
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: binding.metadata.name },
        signal(),
      );
  }
}

/** What the Gefyra 2.5 client does with GefyraClients (contract §2), as an admin would do it for the test. */
export function gefyra2ClientCalls(api: KubernetesClusterApi, kubeConfig: KubeConfig, namespace: string) {
  const ref = (name: string) => ({ apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace, name });
  return {
    api,
    ref,
    /** `gefyra connections create`: the object with its provider only; the CRD defaults the state. */
    create: async (name: string, fields: Record<string, unknown> = {}) =>
      await api.create({ ...ref(name), metadata: { name, namespace }, provider: 'stowaway', ...fields }, signal()),
    setSubnet: async (name: string, subnet: string | null) =>
      await api.patch(ref(name), { providerParameter: subnet === null ? null : { subnet } }, signal()),
    waitForClient: async (name: string, check: (client: GefyraClient | undefined) => boolean, what: string) =>
      await waitForObjects(
        kubeConfig,
        { apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace },
        (objects) => {
          const object = objects.find((candidate) => candidate.metadata.name === name);
          const client = object && gefyraClientFrom(object);
          return check(client) ? (client ?? null) : undefined;
        },
        { what: `client ${name} ${what}`, timeoutMs: 30_000 },
      ),
    stowawayPod: async () => {
      const pod = await api.findPod({ namespace, name: STOWAWAY2.pod }, signal());
      return { uid: pod?.uid, restarts: pod?.containerStatuses[0]?.restartCount };
    },
  };
}

export type Gefyra2 = Awaited<ReturnType<typeof startGefyra2>>;

/**
 * A controller on a work queue fed by its watches and its own inbox, started
 * (`started`) once they are, as the runtime runs it; returns its stop.
 */
function runOnWatches(controller: Controller<string>, kubeConfig: KubeConfig): () => Promise<void> {
  const queue = new WorkQueue(async (key, workSignal) => await controller.reconcile(key, workSignal), {
    concurrency: 4,
    clock: systemClock,
  });
  controller.queue.connect(queue);
  const watches = new KubernetesWatchSource(kubeConfig);
  const subscriptions = controller.watches.map((watch) =>
    watches.watch(watch.spec, (event) => {
      for (const key of watch.keysOf(event)) queue.add(key);
    }),
  );
  const run = new AbortController();
  const starting = controller.started?.(run.signal);
  return async () => {
    run.abort();
    await starting;
    await Promise.all(subscriptions.map((subscription) => subscription.stop()));
    controller.queue.connect(undefined);
    await queue.shutdown();
  };
}

async function untilServed(api: KubernetesClusterApi): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await api.list(
        { apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND },
        undefined,
        undefined,
        signal(),
      );
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error('the gefyraclients CRD was not served');
}

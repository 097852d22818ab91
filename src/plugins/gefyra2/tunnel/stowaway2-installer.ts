import { isDomainError } from '../../../domain/errors.js';
import type { ClusterApi, Manifest } from '../../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import { isNodePortTaken, nodePortHolder, nodePortInUse } from '../../shared/node-port-holder.js';
import {
  INSTALLER_KEYS,
  stowaway2ConfigData,
  stowaway2StatefulSet,
  stowaway2WireGuardService,
} from './stowaway2-manifests.js';
import { STOWAWAY2 } from './stowaway2-names.js';
import type { Stowaway2Settings } from './stowaway2-settings.js';

export type Stowaway2Readiness =
  { readonly ready: true; readonly podUid: string } | { readonly ready: false; readonly reason: string };

const CONFIG_MAP = { apiVersion: 'v1', kind: 'ConfigMap' } as const;

/**
 * Installs Gefyra 2's Stowaway and tells whether it runs. Safe to repeat at
 * every start: ConfigMaps are created when missing and otherwise changed
 * key by key, so the peers (PEERS, SERVER_ALLOWEDIPS_PEER_*) and the routes
 * of a running installation are never touched; the WireGuard NodePort
 * Service is created when missing and otherwise left as the client made it
 * (it may have chosen a LoadBalancer).
 */
export class Stowaway2Installer {
  readonly #cluster: ClusterApi;
  readonly #settings: Stowaway2Settings;

  constructor(cluster: ClusterApi, settings: Stowaway2Settings) {
    this.#cluster = cluster;
    this.#settings = settings;
  }

  async ensureInstalled(signal: AbortSignal): Promise<void> {
    const namespace = this.#settings.namespace;
    const metadata = (name: string) => ({ name, namespace, labels: { ...MANAGED_BY_LABELS } });
    await this.#createIfMissing(
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(STOWAWAY2.serviceAccount) },
      signal,
    );
    await this.#createIfMissing({ ...CONFIG_MAP, metadata: metadata(STOWAWAY2.routesConfigMap), data: {} }, signal);
    await this.#ensureConfig(signal);
    await this.#cluster.apply(stowaway2StatefulSet(this.#settings), signal);
    await this.#ensureWireGuardService(signal);
  }

  async observeReadiness(signal: AbortSignal): Promise<Stowaway2Readiness> {
    const pod = await this.#cluster.findPod({ namespace: this.#settings.namespace, name: STOWAWAY2.pod }, signal);
    if (!pod) return { ready: false, reason: `pod ${STOWAWAY2.pod} does not exist yet` };
    const status = pod.containerStatuses.find((entry) => entry.name === STOWAWAY2.container);
    if (status?.current.state !== 'running')
      return { ready: false, reason: `container ${STOWAWAY2.container} of ${STOWAWAY2.pod} is not running` };
    if (!status.ready)
      return { ready: false, reason: `${STOWAWAY2.pod} is running but not ready (WireGuard not listening yet)` };
    return { ready: true, podUid: pod.uid };
  }

  async #ensureConfig(signal: AbortSignal): Promise<void> {
    const ref = { ...CONFIG_MAP, namespace: this.#settings.namespace, name: STOWAWAY2.configMap };
    const wanted = stowaway2ConfigData(this.#settings);
    const live = await this.#cluster.find(ref, signal, { fresh: true });
    if (!live) {
      await this.#createIfMissing(
        {
          ...CONFIG_MAP,
          metadata: { name: ref.name, namespace: ref.namespace, labels: { ...MANAGED_BY_LABELS } },
          data: wanted,
        },
        signal,
      );
      return;
    }
    const data = (live['data'] ?? {}) as Record<string, string>;
    const changes: Record<string, string> = {};
    for (const key of INSTALLER_KEYS) if (data[key] !== wanted[key]) changes[key] = wanted[key] ?? '';
    // A missing PEERS (someone removed the key) means no peer to the image; "0" says so without a phantom.
    if (data['PEERS'] === undefined) changes['PEERS'] = '0';
    if (Object.keys(changes).length > 0) await this.#cluster.patch(ref, { data: changes }, signal);
  }

  /**
   * Created when missing. A real API server answers a second create that
   * names the node port 422, not 409 (the port is allocated before the name
   * is looked at): only a holder other than ours is a clash, named as in
   * 0.13 (NodePortInUse), since developers could not connect.
   */
  async #ensureWireGuardService(signal: AbortSignal): Promise<void> {
    const { namespace, serverPort } = this.#settings;
    const ours = { namespace, name: STOWAWAY2.wireGuardService };
    if (await this.#cluster.find({ apiVersion: 'v1', kind: 'Service', ...ours }, signal)) return;
    try {
      await this.#createIfMissing(stowaway2WireGuardService(this.#settings), signal);
    } catch (error) {
      if (!isDomainError(error, 'Invalid') || !isNodePortTaken(error.message)) throw error;
      const holder = await nodePortHolder(this.#cluster, serverPort, ours, signal);
      if (holder) throw nodePortInUse(serverPort, holder);
      // Ours after all: made by the client between the look and the create.
    }
  }

  async #createIfMissing(manifest: Manifest, signal: AbortSignal): Promise<void> {
    try {
      await this.#cluster.create(manifest, signal);
    } catch (error) {
      if (!isDomainError(error, 'AlreadyExists')) throw error;
    }
  }
}

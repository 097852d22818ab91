import { podTroubleReason } from '../../domain/cluster/pod.js';
import { DomainError, isDomainError } from '../../domain/errors.js';
import { refOf, type ClusterApi, type Manifest } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import type { TunnelProvider, TunnelReadiness } from '../../ports/tunnel-provider.port.js';
import { parsePeerConfig } from './peer-config.js';
import * as manifests from './stowaway-manifests.js';
import { STOWAWAY } from './stowaway-names.js';
import { findStowawayPod, isServing, stowawayRevision } from './stowaway-pod.js';
import type { StowawaySettings } from './stowaway-settings.js';
import { isNodePortTaken, nodePortHolder, nodePortInUse, nodePortsOf } from '../shared/node-port-holder.js';

/**
 * Installs Gefyra's Stowaway (the WireGuard end of the tunnel) and reports its
 * readiness and connection details. Objects that already exist under
 * Stowaway's names in the operator namespace are adopted and brought to the
 * desired state; only a node port held by someone else stops the install.
 */
export class StowawayTunnelProvider implements TunnelProvider {
  readonly #cluster: ClusterApi;
  readonly #clock: Clock;
  readonly #settings: StowawaySettings;

  readonly displayName = 'Stowaway';

  get startupTimeoutMs(): number {
    return this.#settings.startupTimeoutMs;
  }

  constructor(cluster: ClusterApi, clock: Clock, settings: StowawaySettings) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#settings = settings;
  }

  async ensureInstalled(signal: AbortSignal): Promise<void> {
    const settings = this.#settings;
    await this.#ensureNodePortFree(signal);
    await this.#adopt(manifests.serviceAccount(settings), signal);
    await this.#adopt(manifests.routesConfigMap(settings), signal);
    await this.#adopt(manifests.deployment(settings), signal);
    try {
      await this.#adopt(manifests.wireguardService(settings), signal);
    } catch (error) {
      // Lost a race for the port after the check: name the holder if we can.
      if (isDomainError(error, 'Invalid') && isNodePortTaken(error.message)) {
        await this.#ensureNodePortFree(signal);
      }
      throw error;
    }
    await this.#adopt(manifests.rsyncService(settings), signal);
  }

  /**
   * Applies the desired state; an object already there under this name that
   * the API server will not turn into it is replaced, since everything with
   * these names in the operator namespace belongs to Gefyra. That is any
   * Invalid answer, not only "field is immutable": a real API server says
   * "may not change once set" for a Service's clusterIP, and fields another
   * manager set (an unnamed port beside ours) stay and make the result invalid.
   */
  async #adopt(manifest: Manifest, signal: AbortSignal): Promise<void> {
    try {
      await this.#cluster.apply(manifest, signal);
    } catch (error) {
      if (!isDomainError(error, 'Invalid')) throw error;
      await this.#cluster.remove(refOf(manifest), signal);
      await this.#cluster.apply(manifest, signal);
    }
  }

  async observeReadiness(signal: AbortSignal): Promise<TunnelReadiness> {
    const pod = await findStowawayPod(this.#cluster, this.#settings.namespace, signal);
    if (pod && isServing(pod)) return { state: 'ready', revision: stowawayRevision(pod) };
    if (pod) {
      const trouble = podTroubleReason(pod);
      return trouble
        ? { state: 'failing', since: pod.createdAt, reason: `pod ${pod.name}: ${trouble}` }
        : { state: 'starting', since: pod.createdAt, detail: `pod ${pod.name} is ${pod.phase} and not ready yet` };
    }
    const deployment = await this.#cluster.find(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace: this.#settings.namespace, name: STOWAWAY.deployment },
      signal,
    );
    const since = deployment?.metadata.creationTimestamp
      ? new Date(deployment.metadata.creationTimestamp)
      : this.#clock.now();
    const failure = deployment && replicaFailure(deployment);
    return failure
      ? { state: 'failing', since, reason: `no Stowaway pod can be created: ${failure}` }
      : { state: 'starting', since, detail: 'no Stowaway pod yet' };
  }

  async readConnectionDetails(signal: AbortSignal): Promise<Readonly<Record<string, string>>> {
    const pod = await findStowawayPod(this.#cluster, this.#settings.namespace, signal);
    if (!pod || !isServing(pod)) throw new DomainError('NotReady', 'Stowaway is not running yet');
    const result = await this.#cluster.exec(
      { namespace: pod.namespace, name: pod.name, container: STOWAWAY.container },
      ['cat', this.#settings.peerConfigPath],
      signal,
    );
    if (result.exitCode !== 0) {
      throw new DomainError(
        'NotReady',
        `Stowaway has not generated its peer configuration ${this.#settings.peerConfigPath} yet`,
      );
    }
    return parsePeerConfig(result.stdout);
  }

  async uninstall(signal: AbortSignal): Promise<void> {
    const { namespace } = this.#settings;
    const proxies = await this.#cluster.list(
      { apiVersion: 'v1', kind: 'Service' },
      namespace,
      { 'app.kubernetes.io/component': 'proxy-route' },
      signal,
    );
    const service = (name: string) => ({ apiVersion: 'v1', kind: 'Service', namespace, name });
    for (const proxy of proxies) await this.#cluster.remove(service(proxy.metadata.name), signal);
    await this.#cluster.remove(service(STOWAWAY.wireguardService), signal);
    await this.#cluster.remove(service(STOWAWAY.rsyncService), signal);
    await this.#cluster.remove(
      { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: STOWAWAY.deployment },
      signal,
    );
    await this.#cluster.remove(
      { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: STOWAWAY.routesConfigMap },
      signal,
    );
    await this.#cluster.remove(
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: STOWAWAY.serviceAccount },
      signal,
    );
  }

  async #ensureNodePortFree(signal: AbortSignal): Promise<void> {
    const { namespace, nodePort } = this.#settings;
    const ours = await this.#cluster.find(
      { apiVersion: 'v1', kind: 'Service', namespace, name: STOWAWAY.wireguardService },
      signal,
    );
    if (ours && nodePortsOf(ours).includes(nodePort)) return;
    const holder = await nodePortHolder(
      this.#cluster,
      nodePort,
      { namespace, name: STOWAWAY.wireguardService },
      signal,
    );
    if (holder) throw nodePortInUse(nodePort, holder);
  }
}

/** The message of a Deployment's ReplicaFailure condition, e.g. a pod security policy refusing a privileged pod. */
export function replicaFailure(deployment: Manifest): string | undefined {
  const status = deployment['status'] as
    { conditions?: { type: string; status: string; message?: string }[] } | undefined;
  const condition = status?.conditions?.find(
    (candidate) => candidate.type === 'ReplicaFailure' && candidate.status === 'True',
  );
  return condition ? (condition.message ?? 'ReplicaFailure') : undefined;
}

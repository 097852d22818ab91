import { podTroubleReason } from '../../../domain/cluster/pod.js';
import type { Clock } from '../../../ports/clock.port.js';
import type { ClusterApi } from '../../../ports/cluster-api.port.js';
import type { TunnelProvider, TunnelReadiness } from '../../../ports/tunnel-provider.port.js';
import { Stowaway2Installer } from './stowaway2-installer.js';
import { STOWAWAY2, STOWAWAY2_PROXY_SERVICES } from './stowaway2-names.js';
import type { Stowaway2Settings } from './stowaway2-settings.js';

/**
 * Stowaway 2.x as the operator's tunnel: the boot installs it and waits for
 * `gefyra-stowaway-0` to be ready before it posts `Gefyra-Ready`. Its clients
 * get their connection details one by one (each GefyraClient's
 * `providerConfig`), so there are none to publish for the installation.
 */
export class Stowaway2TunnelProvider implements TunnelProvider {
  readonly displayName = 'Stowaway 2.x';
  readonly startupTimeoutMs: number;
  readonly #cluster: ClusterApi;
  readonly #clock: Clock;
  readonly #settings: Stowaway2Settings;
  readonly #installer: Stowaway2Installer;

  constructor(cluster: ClusterApi, clock: Clock, settings: Stowaway2Settings, startupTimeoutMs: number) {
    this.#cluster = cluster;
    this.#clock = clock;
    this.#settings = settings;
    this.#installer = new Stowaway2Installer(cluster, settings);
    this.startupTimeoutMs = startupTimeoutMs;
  }

  ensureInstalled(signal: AbortSignal): Promise<void> {
    return this.#installer.ensureInstalled(signal);
  }

  async observeReadiness(signal: AbortSignal): Promise<TunnelReadiness> {
    const readiness = await this.#installer.observeReadiness(signal);
    // The pod's uid is the revision: a re-created pod is a restarted tunnel.
    if (readiness.ready) return { state: 'ready', revision: readiness.podUid };
    const pod = await this.#cluster.findPod({ namespace: this.#settings.namespace, name: STOWAWAY2.pod }, signal);
    if (!pod) return { state: 'starting', since: this.#clock.now(), detail: readiness.reason };
    const trouble = podTroubleReason(pod);
    return trouble
      ? { state: 'failing', since: pod.createdAt, reason: `pod ${pod.name}: ${trouble}` }
      : { state: 'starting', since: pod.createdAt, detail: readiness.reason };
  }

  readConnectionDetails(): Promise<Readonly<Record<string, string>>> {
    return Promise.resolve({});
  }

  /**
   * Removes what ensureInstalled created; the volume claim goes with it (the
   * peers' keys end with the installation), and so do proxy Services that
   * outlived their bridges (made by the original operator, or left by a
   * bridge whose finalizer was stripped): they select Stowaway's pod.
   */
  async uninstall(signal: AbortSignal): Promise<void> {
    const namespace = this.#settings.namespace;
    const service = { apiVersion: 'v1', kind: 'Service' } as const;
    for (const proxy of await this.#cluster.list(service, namespace, STOWAWAY2_PROXY_SERVICES.labels, signal))
      await this.#cluster.remove({ ...service, namespace, name: proxy.metadata.name }, signal);
    await this.#cluster.remove(
      { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace, name: STOWAWAY2.statefulSet },
      signal,
    );
    await this.#cluster.remove(
      {
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        namespace,
        name: `${STOWAWAY2.claimTemplate}-${STOWAWAY2.pod}`,
      },
      signal,
    );
    for (const name of [STOWAWAY2.configMap, STOWAWAY2.routesConfigMap])
      await this.#cluster.remove({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name }, signal);
    await this.#cluster.remove(
      { apiVersion: 'v1', kind: 'ServiceAccount', namespace, name: STOWAWAY2.serviceAccount },
      signal,
    );
    await this.#cluster.remove(
      { apiVersion: 'v1', kind: 'Service', namespace, name: STOWAWAY2.wireGuardService },
      signal,
    );
  }
}

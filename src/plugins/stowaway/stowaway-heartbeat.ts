import { DomainError } from '../../domain/errors.js';
import type { PodApi, ExecApi } from '../../ports/cluster-api.port.js';
import type { TunnelHeartbeat } from '../../ports/tunnel-provider.port.js';
import { STOWAWAY } from './stowaway-names.js';
import { findStowawayPod, isServing } from './stowaway-pod.js';
import type { StowawaySettings } from './stowaway-settings.js';

/** Reads the peer's latest WireGuard handshake from Stowaway (`wg show wg0 latest-handshakes`). */
export class StowawayHeartbeat implements TunnelHeartbeat {
  readonly #cluster: PodApi & ExecApi;
  readonly #settings: StowawaySettings;

  constructor(cluster: PodApi & ExecApi, settings: StowawaySettings) {
    this.#cluster = cluster;
    this.#settings = settings;
  }

  async latestHandshake(signal: AbortSignal): Promise<Date | undefined> {
    const pod = await findStowawayPod(this.#cluster, this.#settings.namespace, signal);
    if (!pod || !isServing(pod)) throw new DomainError('NotReady', 'Stowaway is not running; no handshake to read');
    const result = await this.#cluster.exec(
      { namespace: pod.namespace, name: pod.name, container: STOWAWAY.container },
      ['wg', 'show', 'wg0', 'latest-handshakes'],
      signal,
    );
    if (result.exitCode !== 0) {
      throw new DomainError(
        'ExecFailed',
        `wg show failed in Stowaway with exit code ${result.exitCode}: ${result.stderr.trim()}`,
        {
          retryable: true,
        },
      );
    }
    return latestOf(result.stdout);
  }
}

/** The newest handshake of all peers; `0` means a peer never shook hands. */
export function latestOf(output: string): Date | undefined {
  let latest = 0;
  for (const line of output.split('\n')) {
    const seconds = Number(line.trim().split(/\s+/)[1]);
    if (Number.isFinite(seconds) && seconds > latest) latest = seconds;
  }
  return latest > 0 ? new Date(latest * 1000) : undefined;
}

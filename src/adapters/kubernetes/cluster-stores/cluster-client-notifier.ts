import type { Clock } from '../../../ports/clock.port.js';
import type { ClientNotifier } from '../../../ports/client-notifier.port.js';
import type { ObjectApi } from '../../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import { postReadinessEvent, READY_SIGNAL_LABEL } from './readiness-event.js';

export const CONNECTION_SECRET = 'gefyra-cargo-connection';
export const READY_REASON = 'Gefyra-Ready';

/**
 * What the Gefyra 0.13 client waits for: the Secret `gefyra-cargo-connection`
 * with one key per line of the peer file, and a core/v1 Event with reason
 * `Gefyra-Ready` in the operator namespace (the client watches core/v1 Events
 * there; the 2.5 client also reads its eventTime, see postReadinessEvent).
 * Every readiness Event gets a fresh name, so a restarted operator can always
 * post one (the 0.13 operator's fixed name made that fail).
 */
export class ClusterClientNotifier implements ClientNotifier {
  readonly #objects: ObjectApi;
  readonly #clock: Clock;
  readonly #namespace: string;

  constructor(objects: ObjectApi, clock: Clock, namespace: string) {
    this.#objects = objects;
    this.#clock = clock;
    this.#namespace = namespace;
  }

  async publishConnectionDetails(details: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void> {
    const data = Object.fromEntries(
      Object.entries(details).map(([key, value]) => [key, Buffer.from(value).toString('base64')]),
    );
    await this.#objects.apply(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: CONNECTION_SECRET, namespace: this.#namespace, labels: { ...MANAGED_BY_LABELS } },
        type: 'Opaque',
        data,
      },
      signal,
    );
  }

  async announceReady(signal: AbortSignal): Promise<void> {
    await postReadinessEvent(
      this.#objects,
      this.#clock,
      this.#namespace,
      { reason: READY_REASON, message: 'Gefyra is ready: Stowaway runs and the connection details are published' },
      signal,
    );
  }

  async withdrawReady(signal: AbortSignal): Promise<void> {
    const signals = await this.#objects.list(
      { apiVersion: 'v1', kind: 'Event' },
      this.#namespace,
      { [READY_SIGNAL_LABEL]: 'ready' },
      signal,
    );
    for (const event of signals) {
      await this.#objects.remove(
        { apiVersion: 'v1', kind: 'Event', namespace: this.#namespace, name: event.metadata.name },
        signal,
      );
    }
  }

  async withdraw(signal: AbortSignal): Promise<void> {
    await this.withdrawReady(signal);
    await this.#objects.remove(
      { apiVersion: 'v1', kind: 'Secret', namespace: this.#namespace, name: CONNECTION_SECRET },
      signal,
    );
  }
}

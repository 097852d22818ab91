import { GEFYRA_CLIENT_API_VERSION, GEFYRA_CLIENT_KIND } from '../domain/client/gefyra-client.js';
import type { GefyraClientService } from '../domain/client/gefyra-client-service.js';
import { PEER_ID_TAKEN } from '../domain/client/peer-id-holder.js';
import type { Manifest } from '../../../ports/cluster-api.port.js';
import { clientOfTokenSecret } from './cluster-client-accounts.js';
import type { Gefyra2Uninstall } from './gefyra2-uninstall.js';
import { toDomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { OperatorInstallation } from '../../../ports/operator-installation.port.js';
import { KeyInbox, type Controller, type ControllerWatch } from '../../../adapters/runtime/controller.js';
import type { WatchEvent } from '../../../adapters/runtime/watch-source.js';

/** The 2.5 client deletes the operator's RBAC right after its namespace: what the removal does, it does in this time. */
const REMOVAL_TIMEOUT_MS = 4500;

/** What the controller needs to tell a removal from a restart at shutdown, and to carry it out. */
export interface GefyraClientRemoval {
  readonly installation: OperatorInstallation;
  readonly uninstall: Gefyra2Uninstall;
  readonly logger: Logger;
}

/**
 * The GefyraClient controller: a client's own changes wake it; a change of
 * the tunnel's instance (its pod recreated, its container restarted,
 * its readiness back) wakes every client, so that each ACTIVE one checks its
 * peer in the running tunnel and re-applies it from the cluster if missing;
 * a client's token Secret filled by the token controller wakes that client;
 * a client's deletion wakes the clients refused for sharing a peer id.
 */
export class GefyraClientController implements Controller<string> {
  readonly name = 'gefyraclient';
  // The lifecycle waits for the tunnel itself (a Warning, then a retry), so it need not wait for the installation.
  readonly startsWhen = 'leading';
  readonly queue = new KeyInbox<string>();
  readonly watches: readonly ControllerWatch<string>[];
  readonly #service: GefyraClientService;
  readonly #namespace: string;
  readonly #clients = new Set<string>();
  /** Clients in ERROR because another client has their peer id. */
  readonly #refused = new Set<string>();
  #tunnelInstance: string | undefined;

  readonly #removal: GefyraClientRemoval | undefined;

  constructor(
    service: GefyraClientService,
    namespace: string,
    tunnelPodLabels: Readonly<Record<string, string>>,
    removal?: GefyraClientRemoval,
  ) {
    this.#service = service;
    this.#namespace = namespace;
    this.#removal = removal;
    this.watches = [
      {
        spec: { apiVersion: GEFYRA_CLIENT_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace },
        keysOf: (event) => this.#onClient(event),
      },
      {
        spec: { apiVersion: 'v1', kind: 'Pod', namespace, labels: tunnelPodLabels },
        keysOf: (event) => this.#onTunnel(event),
      },
      // A client in CREATING waits for its token: the token controller's write wakes it.
      { spec: { apiVersion: 'v1', kind: 'Secret', namespace }, keysOf: (event) => this.#onSecret(event) },
    ];
  }

  identify(key: string): string {
    return key;
  }

  async reconcile(key: string, signal: AbortSignal): Promise<{ requeueAfterMs?: number } | void> {
    const result = await this.#service.reconcile({ namespace: this.#namespace, name: key }, signal);
    return result.done ? undefined : { requeueAfterMs: result.requeueAfterMs };
  }

  /**
   * A restart or a rolling update keeps everything; a removal (the
   * operator's own Deployment gone or being deleted: `gefyra down`,
   * `kubectl delete -k deploy/gefyra2`) removes the clients' accounts and
   * peers, Stowaway 2.x and the `gefyra-client` role it made, in the few
   * seconds before its credentials go. The CRDs are the installer's.
   */
  async atShutdown(): Promise<void> {
    const removal = this.#removal;
    if (!removal) return;
    const signal = AbortSignal.timeout(REMOVAL_TIMEOUT_MS);
    try {
      if (!(await removal.installation.beingRemoved(signal))) return;
      removal.logger.warn({}, 'the operator is being removed: removing the clients, their accounts and the tunnel');
      await removal.uninstall.uninstall({ removeOperator: false }, signal);
    } catch (error) {
      removal.logger.warn(
        { error: toDomainError(error).message },
        'could not finish removing what the operator set up; `gefyra-operator reset --yes` finishes it',
      );
    }
  }

  #onClient(event: WatchEvent): readonly string[] {
    const name = event.object.metadata.name;
    this.#refused.delete(name);
    if (event.type === 'DELETED') {
      this.#clients.delete(name);
      // The peer id the deleted client had may be free now for a client refused for it.
      return [name, ...this.#refused];
    }
    this.#clients.add(name);
    if (failureReasonOf(event.object) === PEER_ID_TAKEN) this.#refused.add(name);
    return [name];
  }

  #onSecret(event: WatchEvent): readonly string[] {
    const client = clientOfTokenSecret(event.object.metadata.name);
    return event.type !== 'DELETED' && client !== undefined && this.#clients.has(client) ? [client] : [];
  }

  #onTunnel(event: WatchEvent): readonly string[] {
    const instance = event.type === 'DELETED' ? undefined : instanceOf(event.object);
    if (instance === this.#tunnelInstance) return [];
    this.#tunnelInstance = instance;
    return [...this.#clients];
  }
}

const failureReasonOf = (client: Manifest): unknown =>
  ((client['status'] ?? {}) as { failure?: { reason?: unknown } }).failure?.reason;

/** The pod, its containers' instances and readiness: what changes when the tunnel restarts or comes back. */
function instanceOf(pod: Manifest): string {
  const status = (pod['status'] ?? {}) as { containerStatuses?: { containerID?: string; ready?: boolean }[] };
  const containers = (status.containerStatuses ?? []).map(
    (entry) => `${entry.containerID ?? ''}:${entry.ready === true}`,
  );
  return [pod.metadata.uid ?? '', ...containers].join('/');
}

import { KeyInbox, type Controller, type ControllerWatch } from '../../../adapters/runtime/controller.js';
import type { WatchEvent } from '../../../adapters/runtime/watch-source.js';
import { toDomainError } from '../../../domain/errors.js';
import type { Logger } from '../../../ports/logger.port.js';
import { GEFYRA_BRIDGE_KIND, gefyraBridgeFrom } from '../domain/bridge/gefyra-bridge.js';
import type { BridgeService } from '../domain/bridge/bridge-service.js';
import { bridgeClientOf } from '../domain/bridge/bridge-destination.js';
import { GEFYRA_CLIENT_KIND } from '../domain/client/gefyra-client.js';
import { GEFYRA2_OBJECT_API_VERSION } from '../domain/gefyra2-object.js';
import { GEFYRA_BRIDGE_MOUNT_KIND } from '../domain/mount/bridge-mount.js';

/**
 * The GefyraBridge controller: a bridge's own changes wake it (a
 * `destinationIP` patched by `gefyra run` re-routes it); a change of its
 * mount wakes it (ACTIVE: go on; not ACTIVE: wait); a change of its client
 * wakes it (a subnet set or withdrawn decides where it may send traffic).
 * A bridge that is gone is reconciled too: its deletion, and at start every
 * bridge the tunnel holds routes for, so that routes of bridges deleted
 * without their teardown (finalizer stripped) while no operator ran go.
 */
export class GefyraBridgeController implements Controller<string> {
  readonly name = 'gefyrabridge';
  readonly startsWhen = 'leading';
  readonly queue = new KeyInbox<string>();
  readonly watches: readonly ControllerWatch<string>[];
  readonly #service: BridgeService;
  readonly #namespace: string;
  readonly #logger: Logger;
  /** What each known bridge depends on: its mount and its client. */
  readonly #bridges = new Map<string, { readonly mount: string | undefined; readonly client: string | undefined }>();

  constructor(service: BridgeService, namespace: string, logger: Logger) {
    this.#service = service;
    this.#namespace = namespace;
    this.#logger = logger;
    this.watches = [
      {
        spec: { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: GEFYRA_BRIDGE_KIND, namespace },
        keysOf: (event) => this.#onBridge(event),
      },
      {
        spec: { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: GEFYRA_BRIDGE_MOUNT_KIND, namespace },
        keysOf: (event) => this.#dependingOn('mount', event.object.metadata.name),
      },
      {
        spec: { apiVersion: GEFYRA2_OBJECT_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace },
        keysOf: (event) => this.#dependingOn('client', event.object.metadata.name),
      },
    ];
  }

  identify(key: string): string {
    return key;
  }

  async started(signal: AbortSignal): Promise<void> {
    try {
      this.queue.addAll(await this.#service.routedBridges(signal));
    } catch (error) {
      // Each bridge's own deletion still removes its routes; only those of bridges gone while no operator ran wait for the next start.
      this.#logger.warn(
        { error: toDomainError(error).message },
        'could not list the routes of GefyraBridges; routes of bridges deleted without their teardown stay until the next start',
      );
    }
  }

  async reconcile(key: string, signal: AbortSignal): Promise<{ requeueAfterMs?: number } | void> {
    const result = await this.#service.reconcile({ namespace: this.#namespace, name: key }, signal);
    return result.done ? undefined : { requeueAfterMs: result.requeueAfterMs };
  }

  #onBridge(event: WatchEvent): readonly string[] {
    const name = event.object.metadata.name;
    if (event.type === 'DELETED') {
      this.#bridges.delete(name);
    } else {
      const bridge = gefyraBridgeFrom(event.object);
      this.#bridges.set(name, { mount: bridge.mount, client: bridgeClientOf(bridge) });
    }
    return [name];
  }

  #dependingOn(what: 'mount' | 'client', name: string): readonly string[] {
    return [...this.#bridges].filter(([, depends]) => depends[what] === name).map(([bridge]) => bridge);
  }
}

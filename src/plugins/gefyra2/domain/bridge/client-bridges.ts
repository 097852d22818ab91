import { isDomainError } from '../../../../domain/errors.js';
import type { ClientBridges } from '../../ports/client-bridges.port.js';
import type { GefyraBridgeStore } from '../../ports/gefyra2-object-store.port.js';
import { BRIDGE_CLIENT_LABEL } from '../admission/bridge-parameters.js';
import type { GefyraClientRef } from '../client/gefyra-client.js';
import { bridgeClientOf } from './bridge-destination.js';

/**
 * A client's bridges among the stored ones: labelled with the client and
 * naming it (as 2.5.4's `cleanup_all_bridges` selects them).
 */
export class StoredClientBridges implements ClientBridges {
  readonly #bridges: GefyraBridgeStore;

  constructor(bridges: GefyraBridgeStore) {
    this.#bridges = bridges;
  }

  async removeOf(client: GefyraClientRef, signal: AbortSignal): Promise<void> {
    let labelled;
    try {
      labelled = await this.#bridges.list(client.namespace, { [BRIDGE_CLIENT_LABEL]: client.name }, signal);
    } catch (error) {
      // The kind is not registered: no bridge to remove.
      if (isDomainError(error, 'NotFound')) return;
      throw error;
    }
    for (const bridge of labelled) {
      if (!bridge.deleting && bridgeClientOf(bridge) === client.name) await this.#bridges.remove(bridge, signal);
    }
  }
}

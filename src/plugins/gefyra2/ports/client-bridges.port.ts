import type { GefyraClientRef } from '../domain/client/gefyra-client.js';

/** ClientBridges: the GefyraBridges of one client, which go when it disconnects or is deleted (contract §2). */
export interface ClientBridges {
  /** Deletes every bridge of the client; each one's finalizer removes its route and its place in carrier2. */
  removeOf(client: GefyraClientRef, signal: AbortSignal): Promise<void>;
}

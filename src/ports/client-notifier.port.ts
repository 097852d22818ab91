/**
 * ClientNotifier: the two things the Gefyra client waits for after it
 * installs the operator: the connection details Secret and the readiness
 * signal (a core/v1 Event with reason `Gefyra-Ready`).
 */
export interface ClientNotifier {
  /** Stores the connection details for the client; values are secret material. */
  publishConnectionDetails(details: Readonly<Record<string, string>>, signal: AbortSignal): Promise<void>;
  /** Posts a fresh readiness signal; every call posts a new one (a restarted operator must be able to). */
  announceReady(signal: AbortSignal): Promise<void>;
  /**
   * Removes earlier readiness signals, so a client that starts waiting while
   * this operator boots is not misled by one a previous operator left behind.
   */
  withdrawReady(signal: AbortSignal): Promise<void>;
  /** Removes the connection details and readiness signals (reset). */
  withdraw(signal: AbortSignal): Promise<void>;
}

/**
 * Settings the domain services need, already validated. The composition root
 * builds them from the operator's configuration; tests build them directly.
 */
export interface InterceptSettings {
  /** How soon to look again when the tunnel has not picked up a route change yet. */
  readonly routeLoadRetryMs: number;
  /** Finalizer that keeps a request until everything it touched is reset. */
  readonly finalizer: string;
  /**
   * Without a watch on pods (credentials that may not watch them), nothing
   * wakes a request that waits for its pod: such waits are looked at again
   * after at most this long. Undefined: pod changes arrive as events.
   */
  readonly waitRecheckMs?: number;
}

export interface BootSettings {
  /** Namespace the operator and the tunnel live in. */
  readonly namespace: string;
}

export interface HeartbeatSettings {
  /** Time without a handshake after which the cluster is reset; 0 disables the reset. */
  readonly connectionTimeoutMs: number;
}

export const DEFAULT_FINALIZER = 'gefyra.dev/intercept-cleanup';

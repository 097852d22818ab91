import type { TunnelReadiness } from '../../ports/tunnel-provider.port.js';

/**
 * Pure judgement of the tunnel's start-up: keep waiting, or report that it
 * does not come up, with the tunnel's own reason (an image pull error, a pod
 * that privileges keep from starting). Time is measured from when the tunnel
 * itself started, which is stored in the cluster, so a restarted operator
 * keeps the same deadline.
 */
export type StartupVerdict =
  | { readonly state: 'ready'; readonly revision: string }
  | { readonly state: 'waiting'; readonly message: string; readonly recheckAfterMs: number }
  | { readonly state: 'timedOut'; readonly message: string };

/** `tunnel` is what messages call it (its provider's display name). */
export function judgeTunnelStartup(
  readiness: TunnelReadiness,
  now: Date,
  timeoutMs: number,
  tunnel: string,
): StartupVerdict {
  if (readiness.state === 'ready') return { state: 'ready', revision: readiness.revision };
  const elapsedMs = now.getTime() - readiness.since.getTime();
  const detail = readiness.state === 'failing' ? readiness.reason : (readiness.detail ?? 'starting');
  if (elapsedMs >= timeoutMs) {
    return {
      state: 'timedOut',
      message: `${tunnel} did not become ready within ${Math.round(timeoutMs / 1000)}s: ${detail}`,
    };
  }
  return {
    state: 'waiting',
    message: `waiting for ${tunnel} to become ready (${Math.round(elapsedMs / 1000)}s so far): ${detail}`,
    recheckAfterMs: timeoutMs - elapsedMs,
  };
}

/**
 * Pure judgement of the client's connection from the tunnel's latest
 * handshake. WireGuard renews a live session's handshake at least every two
 * minutes, so a handshake older than the timeout means the client is gone.
 * Nothing is judged lost before a first handshake: an operator whose client
 * never connected, or one that just restarted, never triggers a reset.
 */
export type HeartbeatVerdict =
  | { readonly state: 'disabled' }
  | { readonly state: 'neverConnected' }
  | { readonly state: 'alive'; readonly lastHandshake: Date; readonly ageMs: number }
  | { readonly state: 'lost'; readonly lastHandshake: Date; readonly ageMs: number };

export function judgeHeartbeat(lastHandshake: Date | undefined, now: Date, timeoutMs: number): HeartbeatVerdict {
  if (timeoutMs <= 0) return { state: 'disabled' };
  if (!lastHandshake) return { state: 'neverConnected' };
  const ageMs = Math.max(0, now.getTime() - lastHandshake.getTime());
  return ageMs > timeoutMs ? { state: 'lost', lastHandshake, ageMs } : { state: 'alive', lastHandshake, ageMs };
}

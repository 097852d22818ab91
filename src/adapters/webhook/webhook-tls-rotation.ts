import { unusableBecause, validityOf, type WebhookTls } from './webhook-certificate.js';

/**
 * What the webhook's TLS Secret holds: the pair served now, possibly the
 * next pair (its CA already in the caBundle, served from `switchAt`), and
 * possibly the CA of the pair served before (still in the caBundle until
 * `dropAt`, so that a replica that has not switched yet stays trusted).
 */
export interface WebhookTlsState {
  readonly active: WebhookTls;
  readonly next?: { readonly tls: WebhookTls; readonly switchAt: Date };
  readonly retired?: { readonly caCert: string; readonly dropAt: Date };
}

/**
 * The next change to the stored state, given the time. A pair of lifetime L
 * (from its certificate's dates) is served for its first half alone; then
 * the next pair is staged (its CA trusted alongside), served from L/8 later,
 * and the old CA is dropped L/8 after that, still L/4 before the old
 * certificate would expire. Every replica re-reads the Secret at least every
 * L/24 (webhookTickMs), so all of them serve the new pair before the old CA
 * goes, and every certificate any of them serves is valid and
 * trusted by the caBundle at every moment.
 */
export type RotationStep =
  | { readonly kind: 'issue'; readonly because: string }
  | { readonly kind: 'stage'; readonly switchAt: Date }
  /** `dropAt`: until when the old pair's CA stays trusted; none when the old pair was not servable anyway. */
  | { readonly kind: 'switch'; readonly dropAt?: Date }
  | { readonly kind: 'drop' }
  | { readonly kind: 'none'; readonly nextAt: Date };

const lifetimeOf = (tls: WebhookTls): number => {
  const { from, to } = validityOf(tls);
  return to.getTime() - from.getTime();
};

export function rotationStep(state: Partial<WebhookTlsState> | undefined, host: string, now: Date): RotationStep {
  const problem = state?.active === undefined ? 'missing' : unusableBecause(state.active, host, now);
  const nextUsable = state?.next !== undefined && unusableBecause(state.next.tls, host, now) === undefined;
  if (problem !== undefined) {
    // Nothing servable: the staged pair if there is one (its CA is trusted already), otherwise a new start.
    if (nextUsable) return { kind: 'switch' };
    return { kind: 'issue', because: problem };
  }
  const active = state?.active as WebhookTls;
  const { from, to } = validityOf(active);
  const lifetime = lifetimeOf(active);
  const stageAt = from.getTime() + lifetime / 2;
  const overlap = lifetime / 8;
  if (state?.retired && state.retired.dropAt.getTime() <= now.getTime()) return { kind: 'drop' };
  if (state?.next && nextUsable) {
    if (state.next.switchAt.getTime() <= now.getTime())
      return { kind: 'switch', dropAt: new Date(now.getTime() + overlap) };
  } else {
    // A late start (the webhook was down) still leaves the old certificate a margin to expire after the switch.
    if (stageAt <= now.getTime())
      return { kind: 'stage', switchAt: new Date(Math.min(now.getTime() + overlap, to.getTime() - overlap / 2)) };
  }
  const deadlines = [
    state?.next && nextUsable ? state.next.switchAt.getTime() : stageAt,
    state?.retired?.dropAt.getTime() ?? Number.POSITIVE_INFINITY,
  ];
  return { kind: 'none', nextAt: new Date(Math.min(...deadlines)) };
}

/** Applies a step; `fresh` is the pair a step that needs one ('issue', 'stage') brings. */
export function applyRotation(
  state: Partial<WebhookTlsState> | undefined,
  step: RotationStep,
  fresh?: WebhookTls,
): WebhookTlsState {
  switch (step.kind) {
    case 'issue':
      return { active: required(fresh) };
    case 'stage':
      return { ...(state as WebhookTlsState), next: { tls: required(fresh), switchAt: step.switchAt } };
    case 'switch': {
      const { active, next } = state as WebhookTlsState;
      return {
        active: required(next?.tls),
        ...(step.dropAt === undefined ? {} : { retired: { caCert: active.caCert, dropAt: step.dropAt } }),
      };
    }
    case 'drop': {
      const { retired: _dropped, ...kept } = state as WebhookTlsState;
      return kept;
    }
    case 'none':
      return state as WebhookTlsState;
  }
}

/** Every CA the API server must trust now: the served pair's, the staged one's and the retired one's. */
export function caBundleOf(state: WebhookTlsState): string {
  return [state.active.caCert, state.next?.tls.caCert, state.retired?.caCert]
    .filter((ca): ca is string => ca !== undefined)
    .map((ca) => (ca.endsWith('\n') ? ca : `${ca}\n`))
    .join('');
}

/**
 * How often each replica re-reads the Secret and the configuration, at most
 * a minute: two ticks late on the switch and the drop still end the overlap
 * (L/4 + 2·L/24) well before the new pair's own staging (about 0.45·L on).
 */
export function webhookTickMs(lifetimeMs: number): number {
  return Math.min(60_000, Math.floor(lifetimeMs / 24));
}

function required(tls: WebhookTls | undefined): WebhookTls {
  if (tls === undefined) throw new Error('a rotation step without the pair it needs');
  return tls;
}

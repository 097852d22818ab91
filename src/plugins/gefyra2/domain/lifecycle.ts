/**
 * What the lifecycles of GefyraClients, GefyraBridges and
 * GefyraBridgeMounts share (contract §2).
 */

/** The original operator's finalizer, on all three kinds: the client's `--force` and uninstall strip it by this name. */
export const GEFYRA_FINALIZER = 'operator.gefyra.dev/kopf-finalizer';

/** How long a bridge or mount stays in ERROR after a failure of the cluster before it is restored (the 60 s timer). */
export const RESTORE_DELAY_MS = 60_000;

/** When the object entered `state`, from its `stateTransitions`; `now` when that is not recorded as a date. */
export function enteredAt(stateTransitions: Readonly<Record<string, string>>, state: string, now: Date): number {
  const since = Date.parse(stateTransitions[state] ?? '');
  return Number.isNaN(since) ? now.getTime() : since;
}

export type ErrorRecovery =
  | {
      readonly kind: 'transition';
      readonly to: 'RESTORING';
      readonly note: string;
      readonly fields: { readonly status: { readonly failure: null } };
    }
  | { readonly kind: 'wait'; readonly recheckAt: Date };

/**
 * The way out of ERROR, once what failed no longer does: at once when the
 * failure lay in how the object was written (it has been written otherwise),
 * RESTORE_DELAY_MS after entering ERROR when it lay in the cluster.
 */
export function recoveryFromError(
  object: {
    readonly failure: { readonly reason: string } | undefined;
    readonly stateTransitions: Readonly<Record<string, string>>;
  },
  writtenProblems: readonly string[],
  now: Date,
): ErrorRecovery {
  const restoring = (note: string): ErrorRecovery => ({
    kind: 'transition',
    to: 'RESTORING',
    note,
    fields: { status: { failure: null } },
  });
  if (object.failure !== undefined && writtenProblems.includes(object.failure.reason)) {
    return restoring(`${object.failure.reason} was corrected`);
  }
  const restoreAt = enteredAt(object.stateTransitions, 'ERROR', now) + RESTORE_DELAY_MS;
  if (now.getTime() < restoreAt) return { kind: 'wait', recheckAt: new Date(restoreAt) };
  return restoring('the cause of the error is gone');
}

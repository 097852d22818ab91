/**
 * What a reconcile tells the runtime: `done` (nothing more until the object
 * or something it watches changes) or look again after a delay. Errors are
 * thrown as DomainErrors; retryable ones are retried with backoff.
 */
export type ReconcileResult = { readonly done: true } | { readonly done: false; readonly requeueAfterMs: number };

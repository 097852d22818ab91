/**
 * AccessReviewer: asks the cluster's authorizer whether a person may do, in
 * a namespace, what an intercept does there (patch pods, exec into them).
 * The operator has those rights everywhere; this keeps it from lending them
 * to someone who has not (see docs/decisions/0009-requester-review.md).
 */
export type AccessVerdict =
  | { readonly state: 'allowed' }
  | { readonly state: 'denied'; readonly reason: string }
  /** The operator may not ask (its role lacks `create subjectaccessreviews`). */
  | { readonly state: 'unavailable'; readonly reason: string };

export interface Requester {
  readonly user: string;
  readonly groups: readonly string[];
}

export interface AccessReviewer {
  mayIntercept(requester: Requester, namespace: string, signal: AbortSignal): Promise<AccessVerdict>;
}

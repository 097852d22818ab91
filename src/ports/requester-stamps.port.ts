/**
 * RequesterStamps: whether the requester an object names was stamped by the
 * operator's admission webhook from the authenticated user (AdmissionReview
 * `userInfo`), rather than written by whoever created the object. Without a
 * stamp the annotations are only what the creator says about themselves
 * (see docs/decisions/0016-requester-stamped-by-admission.md).
 */
export interface StampedSubject {
  /** The object's kind (InterceptRequest; later GefyraBridge): a stamp on one kind is no stamp on another. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  readonly user: string;
  readonly groups: readonly string[];
}

export interface RequesterStamps {
  /** True when `stamp` was made by this installation's webhook for exactly this subject. */
  verify(subject: StampedSubject, stamp: string): boolean;
}

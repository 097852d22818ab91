import { isDomainError } from '../../../domain/errors.js';
import type { AccessReviewer, AccessVerdict, Requester } from '../../../ports/access-reviewer.port.js';
import type { Clock } from '../../../ports/clock.port.js';
import type { ObjectApi } from '../../../ports/cluster-api.port.js';

/** A verdict is reused this long: a reconcile runs several passes, and each pass would otherwise cost two reviews. */
const VERDICT_TTL_MS = 60_000;

/** What an intercept does in the target namespace, as the requester must be allowed to do it. */
export const INTERCEPT_ACCESS = [
  { verb: 'patch', resource: 'pods' },
  { verb: 'create', resource: 'pods', subresource: 'exec' },
] as const;

/**
 * Asks the API server's authorizer through SubjectAccessReviews (nothing is
 * stored). One review per verb; the first refusal answers. A review the
 * operator may not create makes the verdict `unavailable`, and the policy
 * decides what that means.
 */
export class ClusterAccessReviewer implements AccessReviewer {
  readonly #objects: ObjectApi;
  readonly #clock: Clock;
  readonly #verdicts = new Map<string, { readonly verdict: AccessVerdict; readonly until: number }>();

  constructor(objects: ObjectApi, clock: Clock) {
    this.#objects = objects;
    this.#clock = clock;
  }

  async mayIntercept(requester: Requester, namespace: string, signal: AbortSignal): Promise<AccessVerdict> {
    const key = JSON.stringify([requester.user, [...requester.groups].sort(), namespace]);
    const now = this.#clock.now().getTime();
    const known = this.#verdicts.get(key);
    if (known && known.until > now) return known.verdict;
    for (const [cached, entry] of this.#verdicts) if (entry.until <= now) this.#verdicts.delete(cached);
    const verdict = await this.#review(requester, namespace, signal);
    this.#verdicts.set(key, { verdict, until: now + VERDICT_TTL_MS });
    return verdict;
  }

  async #review(requester: Requester, namespace: string, signal: AbortSignal): Promise<AccessVerdict> {
    for (const access of INTERCEPT_ACCESS) {
      let review;
      try {
        review = await this.#objects.create(
          {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            // A review's metadata must be empty; the port's name is required, and empty is what the API server wants.
            metadata: { name: '' },
            spec: {
              user: requester.user,
              groups: [...requester.groups],
              resourceAttributes: { namespace, ...access },
            },
          },
          signal,
        );
      } catch (error) {
        if (isDomainError(error, 'Forbidden')) {
          return { state: 'unavailable', reason: 'the operator may not create subjectaccessreviews' };
        }
        throw error;
      }
      const status = (review['status'] ?? {}) as { allowed?: unknown };
      if (status.allowed !== true) {
        const what =
          'subresource' in access
            ? `${access.verb} ${access.resource}/${access.subresource}`
            : `${access.verb} ${access.resource}`;
        return { state: 'denied', reason: `${requester.user} may not ${what} in namespace ${namespace}` };
      }
    }
    return { state: 'allowed' };
  }
}

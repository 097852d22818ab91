import { fnv1a } from '../fingerprint.js';
import type { InterceptRequest } from '../intercept-request/intercept-request.js';

/**
 * A short, stable digest of what a request asks for (its checked spec, or the
 * reason it is invalid), to tell a user's edit from the operator's own writes.
 */
export const specFingerprint = (request: Pick<InterceptRequest, 'spec'>): string =>
  fnv1a(JSON.stringify(request.spec.valid ? request.spec.spec : { invalid: request.spec.reason }));

import { isDomainError, type ErrorKind } from '../../src/domain/errors.js';
import type { Manifest, ObjectRef } from '../../src/ports/cluster-api.port.js';

// Short-hands for the tests of the in-memory cluster and the simulated cluster's rules.

export const cm = (name: string, data: Record<string, string>, namespace = 'app'): Manifest => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  metadata: { name, namespace },
  data,
});

export const cmRef = (name: string, namespace = 'app'): ObjectRef => ({
  apiVersion: 'v1',
  kind: 'ConfigMap',
  name,
  namespace,
});

/** The kind of DomainError a call ends with, or 'resolved'. */
export async function kindOf(promise: Promise<unknown>): Promise<ErrorKind | 'resolved'> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    if (isDomainError(error)) return error.kind;
    throw error;
  }
}

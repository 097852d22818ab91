import { DomainError } from '../../../domain/errors.js';
import type { Manifest } from '../../../ports/cluster-api.port.js';
import { isRecord } from '../../../domain/json-reading.js';

export interface KindRef {
  readonly apiVersion: string;
  readonly kind: string;
}

/**
 * An object from the API server as a Manifest: plain JSON, `apiVersion` and
 * `kind` filled in (items of built-in lists come without them), and without
 * `metadata.managedFields`, which nothing in the operator reads and which
 * server-side apply refuses if a manifest is sent back.
 */
export function toManifest(value: unknown, kind: KindRef): Manifest {
  if (!isRecord(value) || !isRecord(value['metadata'])) {
    throw new DomainError('Internal', `the API server answered with something that is not a ${kind.kind} object`, {
      retryable: true,
    });
  }
  const { managedFields: _managedFields, ...metadata } = value['metadata'];
  // Watch bookmarks carry only a resourceVersion; everything else has a name.
  const name = typeof metadata['name'] === 'string' ? metadata['name'] : '';
  // Trusted as the API server's JSON for that kind; only the envelope is checked.
  return {
    ...value,
    apiVersion: typeof value['apiVersion'] === 'string' ? value['apiVersion'] : kind.apiVersion,
    kind: typeof value['kind'] === 'string' ? value['kind'] : kind.kind,
    metadata: { ...metadata, name } as Manifest['metadata'],
  };
}

/** `app=web,tier=front`; undefined for no labels (everything). */
export function labelSelector(labels: Readonly<Record<string, string>> | undefined): string | undefined {
  const terms = Object.entries(labels ?? {}).map(([key, value]) => `${key}=${value}`);
  return terms.length === 0 ? undefined : terms.join(',');
}

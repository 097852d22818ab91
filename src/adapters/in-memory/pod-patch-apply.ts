import { isRecord } from '../../domain/json-reading.js';
import { applyMergePatch } from '../kubernetes/shapes/merge-patch.js';
import type { PodPatchBody } from '../kubernetes/shapes/pod-patch.js';
import { invalid } from './invalid.js';
import { copyJson, type JsonObject, type StoredObject } from './stored-object.js';

/**
 * Applies the strategic-merge-patch body the real adapter sends for a
 * PodPatch, with the API server's semantics for it: labels and annotations merge (`null`
 * removes), containers merge by name. Naming a container the pod does not
 * have would add one, which a pod update may not do (422).
 */
export function applyPodPatchBody(live: StoredObject, body: PodPatchBody, what: string): JsonObject {
  const next = copyJson(live) as JsonObject;
  for (const field of ['labels', 'annotations'] as const) {
    const changes = body.metadata?.[field];
    if (!changes) continue;
    const merged = applyMergePatch(live.metadata[field] ?? {}, changes);
    const metadata = { ...(next['metadata'] as JsonObject) };
    if (isRecord(merged) && Object.keys(merged).length > 0) metadata[field] = merged;
    else delete metadata[field];
    next['metadata'] = metadata;
  }
  const spec = isRecord(next['spec']) ? (next['spec'] as JsonObject) : {};
  const containers = Array.isArray(spec['containers']) ? (spec['containers'] as JsonObject[]) : [];
  for (const change of body.spec?.containers ?? []) {
    const container = containers.find((entry) => entry['name'] === change.name);
    if (!container)
      throw invalid(
        what,
        'spec.containers',
        `Forbidden: pod updates may not add or remove containers (no container "${change.name}")`,
      );
    container['image'] = change.image;
  }
  return next;
}

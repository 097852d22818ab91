import { isRecord } from '../../../domain/json-reading.js';

/**
 * JSON merge patch (RFC 7386): objects merge key by key, `null` removes a
 * key, anything else (arrays included) replaces the target wholesale.
 * Returns a new value; neither input is changed.
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isRecord(patch)) return cloneJson(patch);
  const result: Record<string, unknown> = isRecord(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = applyMergePatch(result[key], value);
  }
  return result;
}

/** Merge-patches an object and keeps the result typed as an object. */
export function mergePatchObject(
  target: Readonly<Record<string, unknown>>,
  patch: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  return applyMergePatch(target, patch) as Record<string, unknown>;
}

function cloneJson(value: unknown): unknown {
  return value === undefined ? undefined : structuredClone(value);
}

import { isRecord } from '../../domain/json-reading.js';
import { copyJson, type JsonObject } from './stored-object.js';

/**
 * The fake's stand-in for server-side apply with one field manager: maps in
 * the applied manifest are merged into the live object key by key, every
 * other value (lists included) replaces what is there, `null` removes a field,
 * and a field the previous apply set but this one omits is removed. Labels,
 * annotations and fields set by other writers therefore survive, as they do
 * under server-side apply. What it does not do: merge lists by key (ports,
 * containers), hand a field over to a writer that changed it since the last
 * apply, or detect conflicts between managers.
 */
export function applyMerge(
  live: Readonly<JsonObject>,
  applied: Readonly<JsonObject>,
  previouslyApplied: readonly string[] = [],
): JsonObject {
  const result = mergeInto(live, applied);
  const kept = new Set(appliedFieldPaths(applied));
  for (const path of previouslyApplied) {
    if (!kept.has(path)) removePath(result, JSON.parse(path) as string[]);
  }
  return result;
}

/** The leaves a manifest sets (maps are walked, anything else is a leaf), as JSON-encoded paths. */
export function appliedFieldPaths(applied: Readonly<JsonObject>): string[] {
  const paths: string[] = [];
  const walk = (value: Readonly<JsonObject>, prefix: string[]): void => {
    for (const [key, entry] of Object.entries(value)) {
      const path = [...prefix, key];
      if (isIdentity(path) || entry === null) continue;
      if (isRecord(entry) && Object.keys(entry).length > 0) walk(entry, path);
      else paths.push(JSON.stringify(path));
    }
  };
  walk(applied, []);
  return paths;
}

function mergeInto(live: Readonly<JsonObject>, applied: Readonly<JsonObject>): JsonObject {
  const result: JsonObject = copyJson(live) as JsonObject;
  for (const [key, value] of Object.entries(applied)) {
    if (value === null) delete result[key];
    else if (isRecord(value) && isRecord(result[key])) result[key] = mergeInto(result[key] as JsonObject, value);
    else result[key] = copyJson(value);
  }
  return result;
}

/** Removes a field, and the maps it leaves empty. */
function removePath(object: JsonObject, path: readonly string[]): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  if (rest.length === 0) {
    delete object[head];
    return;
  }
  const child = object[head];
  if (!isRecord(child)) return;
  removePath(child as JsonObject, rest);
  if (Object.keys(child).length === 0) delete object[head];
}

const IDENTITY = new Set([
  '["apiVersion"]',
  '["kind"]',
  '["metadata","name"]',
  '["metadata","namespace"]',
  '["metadata","resourceVersion"]',
  '["metadata","uid"]',
]);
const isIdentity = (path: readonly string[]): boolean => IDENTITY.has(JSON.stringify(path));

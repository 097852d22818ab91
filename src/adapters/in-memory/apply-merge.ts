import { isRecord } from '../kubernetes-shapes/json-reading.js';
import { copyJson, type JsonObject } from './stored-object.js';

/**
 * The fake's stand-in for server-side apply: maps in the applied manifest are
 * merged into the live object key by key, every other value (lists included)
 * replaces what is there, `null` removes a field. Labels and annotations set
 * by others therefore survive, as they do under server-side apply. What it
 * does not do: remove fields this manager applied before and now omits,
 * merge lists by key (ports, containers), or detect conflicts between managers.
 */
export function applyMerge(live: Readonly<JsonObject>, applied: Readonly<JsonObject>): JsonObject {
  const result: JsonObject = copyJson(live) as JsonObject;
  for (const [key, value] of Object.entries(applied)) {
    if (value === null) delete result[key];
    else if (isRecord(value) && isRecord(result[key])) result[key] = applyMerge(result[key] as JsonObject, value);
    else result[key] = copyJson(value);
  }
  return result;
}

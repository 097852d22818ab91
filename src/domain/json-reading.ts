/**
 * Tolerant readers for Kubernetes JSON. Objects reach the adapters as plain
 * JSON, as client-node model instances (with Date timestamps) or as manifests;
 * these helpers read any of them without casts scattered through the mappers.
 */
export type JsonRecord = Readonly<Record<string, unknown>>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function recordAt(value: unknown, key: string): JsonRecord | undefined {
  if (!isRecord(value)) return undefined;
  const found = value[key];
  return isRecord(found) ? found : undefined;
}

export function arrayAt(value: unknown, key: string): readonly unknown[] {
  if (!isRecord(value)) return [];
  const found = value[key];
  return Array.isArray(found) ? found : [];
}

export function stringAt(value: unknown, key: string): string | undefined {
  if (!isRecord(value)) return undefined;
  const found = value[key];
  return typeof found === 'string' ? found : undefined;
}

export function numberAt(value: unknown, key: string): number | undefined {
  if (!isRecord(value)) return undefined;
  const found = value[key];
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

export function booleanAt(value: unknown, key: string): boolean | undefined {
  if (!isRecord(value)) return undefined;
  const found = value[key];
  return typeof found === 'boolean' ? found : undefined;
}

/** A port given as a number or a name (IntOrString). */
export function intOrStringAt(value: unknown, key: string): number | string | undefined {
  return numberAt(value, key) ?? stringAt(value, key);
}

/** Only string values: label and annotation maps. */
export function stringMapAt(value: unknown, key: string): Record<string, string> {
  const found = recordAt(value, key);
  const result: Record<string, string> = {};
  if (!found) return result;
  for (const [name, entry] of Object.entries(found)) {
    if (typeof entry === 'string') result[name] = entry;
  }
  return result;
}

/** A timestamp given as an RFC 3339 string (JSON) or a Date (client-node models). */
export function dateAt(value: unknown, key: string): Date | undefined {
  if (!isRecord(value)) return undefined;
  const found = value[key];
  if (found instanceof Date) return Number.isNaN(found.getTime()) ? undefined : found;
  if (typeof found !== 'string') return undefined;
  const parsed = new Date(found);
  return Number.isNaN(parsed.getTime()) ? undefined : parsed;
}

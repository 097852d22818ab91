/**
 * The outcome of one admission rule. The webhook turns a denial into
 * `allowed: false` with status code 500, the code the Gefyra 2.5 client acts
 * on (a new subnet after a refused providerParameter patch; the message
 * printed after a refused create).
 */
export type AdmissionVerdict =
  /** `patch`: a mutating rule's JSON Patch to the object. */
  | { readonly allowed: true; readonly patch?: readonly JsonPatchOperation[] }
  | { readonly allowed: false; readonly message: string };

export type JsonPatchOperation =
  | { readonly op: 'add' | 'replace'; readonly path: string; readonly value: unknown }
  | { readonly op: 'remove'; readonly path: string };

export const ALLOWED: AdmissionVerdict = { allowed: true };
export const denied = (message: string): AdmissionVerdict => ({ allowed: false, message });

/** The first denial of several checks, or allowed. */
export const firstDenial = (...verdicts: readonly (() => AdmissionVerdict)[]): AdmissionVerdict => {
  for (const verdict of verdicts) {
    const outcome = verdict();
    if (!outcome.allowed) return outcome;
  }
  return ALLOWED;
};

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE' | 'CONNECT';

/** A Gefyra 2 object as the API server sends it: every field at the top level. */
export type GefyraObject = Readonly<Record<string, unknown>> & {
  readonly metadata?: {
    readonly name?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
};

export interface AdmissionInput {
  readonly operation: AdmissionOperation;
  readonly object: GefyraObject;
  /** The stored object, on UPDATE. */
  readonly oldObject?: GefyraObject | undefined;
  /** The object's kind as the API server names it (`request.kind.kind`). */
  readonly kind?: string | undefined;
  /** Who sends the request, as the API server authenticated them. */
  readonly userInfo?:
    { readonly username?: string | undefined; readonly groups?: readonly string[] | undefined } | undefined;
}

/** Python's truthiness, which the 2.5 operator's rules use: null, "", {}, [], 0 and false are "not set". */
export function isSet(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === 'object') return Object.keys(value).length > 0;
  return true;
}

/** Whether a field differs between the stored and the new object (as JSON: key order does not count). */
export function fieldChanged(input: AdmissionInput, field: string): boolean {
  return canonical(input.oldObject?.[field]) !== canonical(input.object[field]);
}

export function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(
      ([, child]) => child !== undefined && child !== null,
    );
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, child]) => `${JSON.stringify(key)}:${canonical(child)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** Fields that may not change once the object exists. */
export function immutable(input: AdmissionInput, kind: string, fields: readonly string[]): AdmissionVerdict {
  const changed = fields.filter((field) => fieldChanged(input, field));
  return changed.length === 0
    ? ALLOWED
    : denied(
        `Cannot change ${changed.map((field) => `'${field}'`).join(', ')} of a ${kind}: delete it and create a new one`,
      );
}

import { z } from 'zod';
import { type InterceptSpec, interceptSpecSchema } from './intercept-request-schema.js';
import { type InterceptStatus, readInterceptStatus } from './intercept-status.js';

export const INTERCEPT_REQUEST_API_VERSION = 'gefyra.dev/v1';
export const INTERCEPT_REQUEST_KIND = 'InterceptRequest';

export interface InterceptRequestRef {
  readonly namespace: string;
  readonly name: string;
}

export const requestKey = (ref: InterceptRequestRef): string => `${ref.namespace}/${ref.name}`;

export type SpecParseResult =
  { readonly valid: true; readonly spec: InterceptSpec } | { readonly valid: false; readonly reason: string };

/** An InterceptRequest as the domain sees it: metadata, the checked request, the last status. */
export interface InterceptRequest extends InterceptRequestRef {
  readonly uid: string;
  readonly generation: number;
  readonly resourceVersion: string;
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
  readonly established: boolean;
  readonly spec: SpecParseResult;
  readonly status: InterceptStatus;
  /**
   * Who asked for the intercept, when the request names them (see
   * REQUESTER_ANNOTATION), with the admission webhook's stamp when it has one.
   */
  readonly requester?: { readonly user: string; readonly groups: readonly string[]; readonly stamp?: string };
  /** The carrier the request asks for by name (see ANNOTATION_CHOOSING_CARRIER); none: the first that serves it. */
  readonly carrier?: string;
}

/**
 * The person behind a request. Trustworthy only where admission stamps it
 * from the authenticated user (docs/decisions/0009-requester-review.md).
 */
export const REQUESTER_ANNOTATION = 'gefyra.dev/requester';
/** The requester's groups, comma-separated, stamped together with REQUESTER_ANNOTATION. */
export const REQUESTER_GROUPS_ANNOTATION = 'gefyra.dev/requester-groups';
/** The admission webhook's proof that it wrote the two above from the authenticated user (see RequesterStamps). */
export const REQUESTER_STAMP_ANNOTATION = 'gefyra.dev/requester-stamp';

/**
 * Names the carrier (a loaded CarrierInstaller) that is to serve the request,
 * when several are loaded. The 0.13 client never sets it: its requests get
 * the first carrier that serves InterceptRequests, Gefyra's Carrier.
 */
export const ANNOTATION_CHOOSING_CARRIER = 'gefyra.dev/carrier';

const metadataSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().min(1),
  uid: z.string().min(1),
  generation: z.number().int().optional(),
  resourceVersion: z.string().optional(),
  deletionTimestamp: z.unknown().optional(),
  finalizers: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

/**
 * Turns the stored object into the domain's request. Metadata comes from the
 * API server and is trusted; the user's fields are checked and every problem
 * becomes part of one user-facing reason.
 */
export function parseInterceptRequest(object: Readonly<Record<string, unknown>>): InterceptRequest {
  const metadata = metadataSchema.parse(object['metadata']);
  return {
    namespace: metadata.namespace,
    name: metadata.name,
    uid: metadata.uid,
    generation: metadata.generation ?? 1,
    resourceVersion: metadata.resourceVersion ?? '',
    deleting: metadata.deletionTimestamp !== undefined && metadata.deletionTimestamp !== null,
    finalizers: metadata.finalizers ?? [],
    established: object['established'] === true,
    spec: parseInterceptSpec(object),
    status: readInterceptStatus(object['status']),
    ...requesterOf(metadata.annotations ?? {}),
    ...carrierChoiceOf(metadata.annotations ?? {}),
  };
}

function carrierChoiceOf(annotations: Readonly<Record<string, string>>): Pick<InterceptRequest, 'carrier'> {
  const carrier = annotations[ANNOTATION_CHOOSING_CARRIER]?.trim();
  return carrier ? { carrier } : {};
}

function requesterOf(annotations: Readonly<Record<string, string>>): Pick<InterceptRequest, 'requester'> {
  const user = annotations[REQUESTER_ANNOTATION]?.trim();
  if (!user) return {};
  const groups = (annotations[REQUESTER_GROUPS_ANNOTATION] ?? '')
    .split(',')
    .map((group) => group.trim())
    .filter(Boolean);
  const stamp = annotations[REQUESTER_STAMP_ANNOTATION]?.trim();
  return { requester: { user, groups, ...(stamp ? { stamp } : {}) } };
}

export function parseInterceptSpec(fields: Readonly<Record<string, unknown>>): SpecParseResult {
  const parsed = interceptSpecSchema.safeParse(fields);
  if (parsed.success) return { valid: true, spec: parsed.data };
  return { valid: false, reason: describeIssues(parsed.error.issues) };
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  const messages = issues.map((issue) => {
    const [field, index] = issue.path;
    if (field === 'portMappings' && typeof index === 'number') return `portMappings[${index}]: ${issue.message}`;
    return issue.message;
  });
  return `invalid InterceptRequest: ${[...new Set(messages)].join('; ')}`;
}

import {
  INTERCEPT_REQUEST_KIND,
  REQUESTER_ANNOTATION,
  REQUESTER_GROUPS_ANNOTATION,
  REQUESTER_STAMP_ANNOTATION,
} from '../intercept-request/intercept-request.js';
import type { StampedSubject } from '../../ports/requester-stamps.port.js';
import {
  type AdmissionInput,
  type AdmissionVerdict,
  canonical,
  denied,
  type GefyraObject,
  type JsonPatchOperation,
} from './admission-verdict.js';

/**
 * The kinds whose requester the webhook stamps, each with the resource its
 * configuration rule names and the fields only the operator writes. A change
 * to any other field asks for another intercept, so whoever makes it becomes
 * the requester. GefyraBridges are one more entry here.
 */
export const STAMPED_KINDS: Readonly<
  Record<string, { readonly resource: string; readonly operatorFields: readonly string[] }>
> = {
  [INTERCEPT_REQUEST_KIND]: { resource: 'interceptrequests', operatorFields: ['status', 'established'] },
};

const STAMP_ANNOTATIONS = [REQUESTER_ANNOTATION, REQUESTER_GROUPS_ANNOTATION, REQUESTER_STAMP_ANNOTATION] as const;
type Stamp = Readonly<Record<(typeof STAMP_ANNOTATIONS)[number], string | undefined>>;

/**
 * The mutating rule: on CREATE the requester annotations are written from
 * the AdmissionReview's `userInfo`, overwriting whatever the object carried,
 * with `sign`'s stamp over them. On UPDATE the stored stamp is kept (the
 * operator's own writes, a label by hand), unless the request itself changed:
 * then the one changing it is stamped. An object stored without a stamp stays
 * without one: the operator's ServiceAccount must never become a requester.
 */
export function stampRequester(
  input: AdmissionInput,
  namespace: string,
  sign: (subject: StampedSubject) => string,
): AdmissionVerdict {
  const kind = input.kind ?? '';
  const stamped = STAMPED_KINDS[kind];
  if (stamped === undefined)
    return denied(`the requester webhook does not stamp ${kind === '' ? 'objects of no kind' : `a ${kind}`}`);
  const name = input.object.metadata?.name ?? '';
  if (name === '')
    return denied(
      `a ${kind} needs a name where requesters are stamped: the stamp covers it (generateName is not supported)`,
    );
  let wanted: Stamp;
  if (input.operation === 'UPDATE' && !requestChanged(input, stamped.operatorFields)) wanted = stampOf(input.oldObject);
  else {
    const user = input.userInfo?.username ?? '';
    if (user === '') return denied(`the API server named no user for this ${kind}: its requester cannot be stamped`);
    // Groups travel comma-separated: a group that the list cannot carry unchanged is left out (reviewed with fewer groups: never more rights).
    const groups = (input.userInfo?.groups ?? []).filter(
      (group) => group !== '' && !group.includes(',') && group.trim() === group,
    );
    wanted = {
      [REQUESTER_ANNOTATION]: user,
      [REQUESTER_GROUPS_ANNOTATION]: groups.join(','),
      [REQUESTER_STAMP_ANNOTATION]: sign({ kind, namespace, name, user, groups }),
    };
  }
  return { allowed: true, patch: annotationPatch(input.object, wanted) };
}

function requestChanged(input: AdmissionInput, operatorFields: readonly string[]): boolean {
  const notRequest = new Set(['apiVersion', 'kind', 'metadata', ...operatorFields]);
  const fields = new Set([...Object.keys(input.object), ...Object.keys(input.oldObject ?? {})]);
  return [...fields].some(
    (field) => !notRequest.has(field) && canonical(input.object[field]) !== canonical(input.oldObject?.[field]),
  );
}

function stampOf(object: GefyraObject | undefined): Stamp {
  const annotations = object?.metadata?.annotations ?? {};
  const stored = annotations[REQUESTER_STAMP_ANNOTATION];
  // Without the webhook's stamp the other two are only what the creator wrote: dropped, not kept.
  if (stored === undefined)
    return {
      [REQUESTER_ANNOTATION]: undefined,
      [REQUESTER_GROUPS_ANNOTATION]: undefined,
      [REQUESTER_STAMP_ANNOTATION]: undefined,
    };
  return {
    [REQUESTER_ANNOTATION]: annotations[REQUESTER_ANNOTATION],
    [REQUESTER_GROUPS_ANNOTATION]: annotations[REQUESTER_GROUPS_ANNOTATION],
    [REQUESTER_STAMP_ANNOTATION]: stored,
  };
}

/** The JSON Patch that makes the object's three annotations exactly `wanted` (absent where undefined). */
function annotationPatch(object: GefyraObject, wanted: Stamp): JsonPatchOperation[] {
  const annotations = object.metadata?.annotations;
  const present = Object.fromEntries(Object.entries(wanted).filter(([, value]) => value !== undefined));
  if (annotations === undefined || annotations === null) {
    return Object.keys(present).length === 0 ? [] : [{ op: 'add', path: '/metadata/annotations', value: present }];
  }
  return STAMP_ANNOTATIONS.flatMap((key): JsonPatchOperation[] => {
    const path = `/metadata/annotations/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`;
    const value = wanted[key];
    if (value === undefined) return key in annotations ? [{ op: 'remove', path }] : [];
    return annotations[key] === value ? [] : [{ op: 'add', path, value }];
  });
}

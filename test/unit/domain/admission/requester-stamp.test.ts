import { describe, expect, it } from 'vitest';
import { HmacRequesterStamps } from '../../../../src/adapters/webhook/requester-stamp-key.js';
import { parseInterceptRequest } from '../../../../src/domain/intercept-request/intercept-request.js';
import type {
  AdmissionInput,
  GefyraObject,
  JsonPatchOperation,
} from '../../../../src/domain/admission/admission-verdict.js';
import { stampRequester } from '../../../../src/domain/admission/requester-stamp.js';
import { clientRequest } from '../../../support/intercept-request-fixtures.js';

const stamps = new HmacRequesterStamps(Buffer.alloc(32, 7));
const sign = stamps.sign.bind(stamps);
const HOSTILE = { username: 'hostile', groups: ['team-b', 'system:authenticated'] };

const request = (annotations?: Record<string, string>, fields: Record<string, unknown> = {}): GefyraObject => {
  const object = clientRequest({ targetNamespace: 'other-team', ...fields }, { name: 'web-to-other' });
  const metadata = { ...(object['metadata'] as Record<string, unknown>), ...(annotations ? { annotations } : {}) };
  return { ...object, metadata };
};

/** Applies the verdict's JSON Patch the way the API server does, for the operations the rule emits. */
function patched(object: GefyraObject, patch: readonly JsonPatchOperation[] = []): GefyraObject {
  const copy = structuredClone(object) as { metadata: { annotations?: Record<string, string> } };
  for (const operation of patch) {
    const [, , , key] = operation.path.split('/');
    if (key === undefined) {
      copy.metadata.annotations = (operation as { value: Record<string, string> }).value;
      continue;
    }
    const name = key.replaceAll('~1', '/').replaceAll('~0', '~');
    if (operation.op === 'remove') delete copy.metadata.annotations![name];
    else copy.metadata.annotations![name] = operation.value as string;
  }
  return copy as GefyraObject;
}

const stamp = (input: AdmissionInput): GefyraObject => {
  const verdict = stampRequester(input, 'gefyra', sign);
  if (!verdict.allowed) throw new Error(verdict.message);
  return patched(input.object, verdict.patch);
};

/** What the operator concludes from the stored object: the requester and whether its stamp verifies. */
function requesterOf(object: GefyraObject) {
  const parsed = parseInterceptRequest({ ...object, metadata: { ...object.metadata, namespace: 'gefyra', uid: 'u1' } });
  const requester = parsed.requester;
  if (!requester) return undefined;
  const verified =
    requester.stamp !== undefined &&
    stamps.verify(
      {
        kind: 'InterceptRequest',
        namespace: 'gefyra',
        name: parsed.name,
        user: requester.user,
        groups: requester.groups,
      },
      requester.stamp,
    );
  return { user: requester.user, groups: requester.groups, verified };
}

const create = (object: GefyraObject, userInfo: AdmissionInput['userInfo'] = HOSTILE): AdmissionInput => ({
  operation: 'CREATE',
  object,
  kind: 'InterceptRequest',
  userInfo,
});

describe('the requester-stamping webhook', () => {
  it.each([
    ['no annotation', undefined],
    ["someone else's name", { 'gefyra.dev/requester': 'team-a-lead' }],
    ['forged groups', { 'gefyra.dev/requester': 'hostile', 'gefyra.dev/requester-groups': 'system:masters' }],
    [
      'a forged stamp',
      {
        'gefyra.dev/requester': 'admin',
        'gefyra.dev/requester-groups': 'system:masters',
        'gefyra.dev/requester-stamp': 'v1.AAAA',
      },
    ],
  ])('on CREATE with %s, writes the authenticated user and their groups, stamped', (_, annotations) => {
    const stored = stamp(create(request(annotations)));
    expect(requesterOf(stored)).toEqual({
      user: 'hostile',
      groups: ['team-b', 'system:authenticated'],
      verified: true,
    });
  });

  it("keeps the request's other annotations", () => {
    const stored = stamp(create(request({ 'example.com/note': 'mine', 'gefyra.dev/requester': 'someone' })));
    expect(stored.metadata?.annotations?.['example.com/note']).toBe('mine');
  });

  it('leaves out a group the comma-separated list cannot carry unchanged (reviewed with fewer groups, never more)', () => {
    const stored = stamp(create(request(), { username: 'dev', groups: ['team-a', 'x,system:masters', ' padded', ''] }));
    expect(requesterOf(stored)).toEqual({ user: 'dev', groups: ['team-a'], verified: true });
  });

  it('on UPDATE keeps the stored stamp whoever writes (the operator adding its finalizer), and undoes a rewrite', () => {
    const stored = stamp(create(request()));
    const operator = { username: 'system:serviceaccount:gefyra:gefyra-operator', groups: ['system:serviceaccounts'] };
    const rewritten = request(
      {
        ...stored.metadata?.annotations,
        'gefyra.dev/requester': 'team-a-lead',
        'gefyra.dev/requester-groups': 'system:masters',
      },
      { established: true },
    );
    const updated = stamp({
      operation: 'UPDATE',
      object: rewritten,
      oldObject: stored,
      kind: 'InterceptRequest',
      userInfo: operator,
    });
    expect(requesterOf(updated)).toEqual({
      user: 'hostile',
      groups: ['team-b', 'system:authenticated'],
      verified: true,
    });
  });

  it('on UPDATE of an object stored without a stamp, drops what the creator wrote: the writer (perhaps the operator) never becomes the requester', () => {
    const old = request({ 'gefyra.dev/requester': 'admin', 'gefyra.dev/requester-groups': 'system:masters' });
    const operator = { username: 'system:serviceaccount:gefyra:gefyra-operator', groups: [] };
    const updated = stamp({
      operation: 'UPDATE',
      object: old,
      oldObject: old,
      kind: 'InterceptRequest',
      userInfo: operator,
    });
    expect(requesterOf(updated)).toBeUndefined();
  });

  it('on UPDATE that changes what the request asks for, stamps the one who changes it', () => {
    const stored = stamp(create(request(), { username: 'team-a-lead', groups: ['team-a'] }));
    const retargeted = request(stored.metadata?.annotations as Record<string, string>, { targetPod: 'payments-0' });
    const updated = stamp({
      operation: 'UPDATE',
      object: retargeted,
      oldObject: stored,
      kind: 'InterceptRequest',
      userInfo: HOSTILE,
    });
    expect(requesterOf(updated)).toEqual({
      user: 'hostile',
      groups: ['team-b', 'system:authenticated'],
      verified: true,
    });
  });

  it('refuses an object without a name (the stamp covers it), one of a kind it does not stamp, and a review naming no user', () => {
    const unnamed = { ...request(), metadata: { generateName: 'web-' } } as GefyraObject;
    expect(stampRequester(create(unnamed), 'gefyra', sign)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('generateName is not supported'),
    });
    expect(stampRequester({ ...create(request()), kind: 'Pod' }, 'gefyra', sign)).toEqual({
      allowed: false,
      message: 'the requester webhook does not stamp a Pod',
    });
    expect(stampRequester(create(request(), {}), 'gefyra', sign)).toMatchObject({
      allowed: false,
      message: expect.stringContaining('named no user'),
    });
  });
});

describe('HMAC requester stamps', () => {
  const subject = {
    kind: 'InterceptRequest',
    namespace: 'gefyra',
    name: 'web-to-other',
    user: 'dev',
    groups: ['team-a'],
  };

  it('verify only for exactly the subject they were made for, and only under their key', () => {
    const made = stamps.sign(subject);
    expect(stamps.verify(subject, made)).toBe(true);
    for (const other of [
      { ...subject, kind: 'GefyraBridge' },
      { ...subject, namespace: 'elsewhere' },
      { ...subject, name: 'web-to-other-2' },
      { ...subject, user: 'admin' },
      { ...subject, groups: ['team-a', 'system:masters'] },
      { ...subject, groups: [] },
    ]) {
      expect(stamps.verify(other, made), JSON.stringify(other)).toBe(false);
    }
    expect(new HmacRequesterStamps(Buffer.alloc(32, 8)).verify(subject, made)).toBe(false);
    expect(stamps.verify(subject, 'v1.')).toBe(false);
    expect(stamps.verify(subject, made.replace(/^v1\./, 'v2.'))).toBe(false);
  });

  it('refuses a key shorter than 32 bytes', () => {
    expect(() => new HmacRequesterStamps(Buffer.alloc(16))).toThrow(/at least 32 bytes/);
  });
});

import { describe, expect, it } from 'vitest';
import {
  admissionDenial,
  type InterceptPolicy,
  parseSubnet,
  policyDenial,
  type Subnet,
  subnetContains,
} from '../../../../src/domain/intercept/intercept-policy.js';
import {
  parseInterceptRequest,
  parseInterceptSpec,
} from '../../../../src/domain/intercept-request/intercept-request.js';
import type { InterceptSpec } from '../../../../src/domain/intercept-request/intercept-request-schema.js';
import type { AccessReviewer, AccessVerdict, Requester } from '../../../../src/ports/access-reviewer.port.js';
import type { RequesterStamps, StampedSubject } from '../../../../src/ports/requester-stamps.port.js';
import { clientRequest } from '../../../support/intercept-request-fixtures.js';

const subnet = (text: string): Subnet => parseSubnet(text)!;

const POLICY: InterceptPolicy = {
  operatorNamespace: 'gefyra',
  allowedNamespaces: [],
  deniedNamespaces: [],
  // What the tunnel routes to a 0.13 client: its Docker network (GEFYRA_PEER_SUBNET) and the internal subnet.
  destinationSubnets: [subnet('172.18.0.0/16'), subnet('192.168.99.0/24')],
  requesterReview: 'auto',
};

const spec = (fields: Record<string, unknown> = {}): InterceptSpec => {
  const parsed = parseInterceptSpec(clientRequest(fields));
  if (!parsed.valid) throw new Error(parsed.reason);
  return parsed.spec;
};

const signal = new AbortController().signal;

/** A stand-in for the webhook's HMAC: a stamp is valid only for exactly the subject it names. */
const stampFor = (
  user: string,
  groups: readonly string[] = [],
  name = 'web-to-shop',
  kind = 'InterceptRequest',
): string => `stamp:${JSON.stringify([kind, 'gefyra', name, user, groups])}`;
const STAMPS: RequesterStamps = {
  verify: (subject: StampedSubject, stamp: string) =>
    stamp === stampFor(subject.user, subject.groups, subject.name, subject.kind) && subject.namespace === 'gefyra',
};

class RecordingReviewer implements AccessReviewer {
  readonly asked: { requester: Requester; namespace: string }[] = [];
  constructor(private readonly verdict: AccessVerdict) {}
  async mayIntercept(requester: Requester, namespace: string): Promise<AccessVerdict> {
    this.asked.push({ requester, namespace });
    return this.verdict;
  }
}

describe('policyDenial: where intercepts may go', () => {
  it("allows a request into an ordinary namespace, sending traffic to the client's app container or a tunnel peer", () => {
    expect(policyDenial(spec({ targetNamespace: 'shop', destinationIP: '172.18.0.3' }), POLICY)).toBeUndefined();
    expect(policyDenial(spec({ targetNamespace: 'shop', destinationIP: '192.168.99.2' }), POLICY)).toBeUndefined();
  });

  it.each([
    ['the operator namespace (its own tunnel, Stowaway)', 'gefyra'],
    ['kube-system', 'kube-system'],
  ])('always refuses %s, whatever is allowed', (_, namespace) => {
    const open = { ...POLICY, allowedNamespaces: [namespace] };
    expect(policyDenial(spec({ targetNamespace: namespace }), open)).toMatchObject({ reason: 'NamespaceNotAllowed' });
  });

  it('refuses a denied namespace and one outside the allowed list', () => {
    expect(
      policyDenial(spec({ targetNamespace: 'secret-team' }), { ...POLICY, deniedNamespaces: ['secret-team'] }),
    ).toMatchObject({
      reason: 'NamespaceNotAllowed',
    });
    const denial = policyDenial(spec({ targetNamespace: 'secret-team' }), {
      ...POLICY,
      allowedNamespaces: ['shop', 'dev'],
    });
    expect(denial).toEqual({
      reason: 'NamespaceNotAllowed',
      message: "intercepts in namespace secret-team are not allowed by the operator's policy (allowed: shop, dev)",
    });
  });

  it('refuses a destination outside every allowed subnet (traffic sent anywhere), naming the subnets', () => {
    expect(policyDenial(spec({ destinationIP: '10.0.0.1' }), POLICY)).toMatchObject({
      reason: 'DestinationNotAllowed',
      message: expect.stringMatching(
        /10\.0\.0\.1 is outside the subnets the operator allows \(172\.18\.0\.0\/16, 192\.168\.99\.0\/24\)/,
      ),
    });
    expect(policyDenial(spec({ destinationIP: 'fd00::2' }), POLICY)).toMatchObject({ reason: 'DestinationNotAllowed' });
    expect(
      policyDenial(spec({ destinationIP: 'fd00::2' }), { ...POLICY, destinationSubnets: [subnet('fd00::/64')] }),
    ).toBeUndefined();
  });
});

describe('subnets', () => {
  it.each([
    ['192.168.99.0/24', '192.168.99.255', true],
    ['192.168.99.0/24', '192.168.100.1', false],
    ['10.0.0.0/8', '10.200.3.4', true],
    ['0.0.0.0/0', '8.8.8.8', true],
    ['fd00::/64', 'fd00::1:2', true],
    ['fd00::/64', 'fd00:0:0:1::2', false],
    ['192.168.99.0/24', 'fd00::2', false],
  ])('%s contains %s: %s', (cidr, ip, expected) => {
    expect(subnetContains(subnet(cidr), ip)).toBe(expected);
  });

  it.each(['192.168.99.0', '192.168.99.0/33', '300.1.1.1/8', 'fd00::/129', 'a/b', '1::2::3/64'])(
    'rejects %s',
    (text) => {
      expect(parseSubnet(text)).toBeUndefined();
    },
  );
});

describe('admissionDenial: the requester review', () => {
  const withRequester = (annotations: Record<string, string> = {}) => {
    const object = clientRequest({ targetNamespace: 'secret-team' });
    const metadata = {
      ...(object['metadata'] as Record<string, unknown>),
      name: 'web-to-shop',
      uid: 'u1',
      annotations,
    };
    return parseInterceptRequest({ ...object, metadata });
  };
  const target = spec({ targetNamespace: 'secret-team' });

  it('asks whether the named requester may patch pods and exec there, and refuses when not', async () => {
    const reviewer = new RecordingReviewer({
      state: 'denied',
      reason: 'dev may not patch pods in namespace secret-team',
    });
    const request = withRequester({
      'gefyra.dev/requester': 'dev',
      'gefyra.dev/requester-groups': 'team-a, system:authenticated',
    });

    const denial = await admissionDenial(request, target, POLICY, reviewer, undefined, signal);

    expect(reviewer.asked).toEqual([
      { requester: { user: 'dev', groups: ['team-a', 'system:authenticated'] }, namespace: 'secret-team' },
    ]);
    expect(denial).toEqual({
      reason: 'RequesterNotAuthorized',
      message: 'dev may not patch pods in namespace secret-team; an intercept needs both',
    });
  });

  it('lets an authorised requester through', async () => {
    const reviewer = new RecordingReviewer({ state: 'allowed' });
    expect(
      await admissionDenial(
        withRequester({ 'gefyra.dev/requester': 'dev' }),
        target,
        POLICY,
        reviewer,
        undefined,
        signal,
      ),
    ).toBeUndefined();
  });

  it('in auto mode, passes requests naming nobody and reviews the operator may not ask for; required refuses both', async () => {
    const unavailable = new RecordingReviewer({
      state: 'unavailable',
      reason: 'the operator may not create subjectaccessreviews',
    });
    const anonymous = withRequester();
    const named = withRequester({ 'gefyra.dev/requester': 'dev' });
    expect(await admissionDenial(anonymous, target, POLICY, unavailable, undefined, signal)).toBeUndefined();
    expect(await admissionDenial(named, target, POLICY, unavailable, undefined, signal)).toBeUndefined();

    const required = { ...POLICY, requesterReview: 'required' as const };
    const stamped = withRequester({ 'gefyra.dev/requester': 'dev', 'gefyra.dev/requester-stamp': stampFor('dev') });
    expect(await admissionDenial(anonymous, target, required, unavailable, STAMPS, signal)).toMatchObject({
      reason: 'RequesterUnknown',
    });
    expect(await admissionDenial(stamped, target, required, unavailable, STAMPS, signal)).toMatchObject({
      reason: 'RequesterNotReviewed',
    });
  });

  describe('in required mode, only a requester the admission webhook stamped counts', () => {
    const required = { ...POLICY, requesterReview: 'required' as const };
    const allowing = () => new RecordingReviewer({ state: 'allowed' });

    it('reviews a stamped requester with the groups the stamp covers', async () => {
      const reviewer = allowing();
      const request = withRequester({
        'gefyra.dev/requester': 'dev',
        'gefyra.dev/requester-groups': 'team-a',
        'gefyra.dev/requester-stamp': stampFor('dev', ['team-a']),
      });
      expect(await admissionDenial(request, target, required, reviewer, STAMPS, signal)).toBeUndefined();
      expect(reviewer.asked).toEqual([
        {
          requester: { user: 'dev', groups: ['team-a'], stamp: stampFor('dev', ['team-a']) },
          namespace: 'secret-team',
        },
      ]);
    });

    it.each([
      ['no stamp at all', { 'gefyra.dev/requester': 'dev' }],
      [
        'forged groups next to a stamp made for none',
        {
          'gefyra.dev/requester': 'dev',
          'gefyra.dev/requester-groups': 'system:masters',
          'gefyra.dev/requester-stamp': stampFor('dev'),
        },
      ],
      ["another user's stamp", { 'gefyra.dev/requester': 'admin', 'gefyra.dev/requester-stamp': stampFor('dev') }],
      [
        'a stamp made for a request of another name',
        { 'gefyra.dev/requester': 'dev', 'gefyra.dev/requester-stamp': stampFor('dev', [], 'other-request') },
      ],
      [
        'a stamp made for another kind',
        { 'gefyra.dev/requester': 'dev', 'gefyra.dev/requester-stamp': stampFor('dev', [], undefined, 'GefyraBridge') },
      ],
    ])('refuses %s without asking the reviewer', async (_, annotations) => {
      const reviewer = allowing();
      expect(
        await admissionDenial(withRequester(annotations), target, required, reviewer, STAMPS, signal),
      ).toMatchObject({ reason: 'RequesterNotStamped' });
      expect(reviewer.asked).toEqual([]);
    });

    it('refuses every named requester where nothing stamps (no verifier), and says so', async () => {
      const request = withRequester({ 'gefyra.dev/requester': 'dev', 'gefyra.dev/requester-stamp': stampFor('dev') });
      expect(await admissionDenial(request, target, required, allowing(), undefined, signal)).toEqual({
        reason: 'RequesterNotStamped',
        message:
          "the requester dev was not stamped by the operator's admission webhook " +
          '(none stamps requesters in this installation); ' +
          "the operator's policy requires a stamped requester",
      });
    });

    it('in auto mode an unstamped requester can still be refused, never let through on forged groups alone where unnamed would not be', async () => {
      const denying = new RecordingReviewer({
        state: 'denied',
        reason: 'dev may not patch pods in namespace secret-team',
      });
      const forged = withRequester({ 'gefyra.dev/requester': 'dev', 'gefyra.dev/requester-groups': 'system:masters' });
      expect(await admissionDenial(forged, target, POLICY, denying, STAMPS, signal)).toMatchObject({
        reason: 'RequesterNotAuthorized',
      });
    });
  });

  it('off never asks; the namespace policy still applies', async () => {
    const reviewer = new RecordingReviewer({ state: 'denied', reason: 'no' });
    const off = { ...POLICY, requesterReview: 'off' as const };
    expect(
      await admissionDenial(withRequester({ 'gefyra.dev/requester': 'dev' }), target, off, reviewer, undefined, signal),
    ).toBeUndefined();
    expect(reviewer.asked).toEqual([]);
  });
});

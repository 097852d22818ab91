import type { AccessReviewer } from '../../ports/access-reviewer.port.js';
import type { RequesterStamps } from '../../ports/requester-stamps.port.js';
import type { InterceptRequest } from '../intercept-request/intercept-request.js';
import { INTERCEPT_REQUEST_KIND, REQUESTER_ANNOTATION } from '../intercept-request/intercept-request.js';
import type { InterceptSpec } from '../intercept-request/intercept-request-schema.js';
import type { Failure } from './intercept-machine.js';

/**
 * What a platform engineer allows intercepts to do, checked before the
 * operator reads or touches anything of the target. The operator acts with
 * cluster-wide rights on pods; without this, anyone who may create an
 * InterceptRequest could use those rights (a confused deputy).
 */
export interface InterceptPolicy {
  /** The operator's own namespace: its tunnel lives there, so it is never a target. */
  readonly operatorNamespace: string;
  /** Namespaces a request may target; empty means every namespace not denied. */
  readonly allowedNamespaces: readonly string[];
  /** Namespaces never targeted, on top of the operator's own and kube-system. */
  readonly deniedNamespaces: readonly string[];
  /**
   * Where traffic may be sent: where the client's containers are reached
   * through the tunnel (GEFYRA_PEER_SUBNET and the internal subnet), or
   * GEFYRA_DESTINATION_SUBNETS; so a request cannot redirect a pod's traffic elsewhere.
   */
  readonly destinationSubnets: readonly Subnet[];
  /**
   * Whether the requester must be allowed to patch pods and exec into them in
   * the target namespace themselves: `auto` reviews every request that names
   * its requester (when the operator's role may ask), `required` also refuses
   * requests that name none or cannot be reviewed, `off` never asks.
   */
  readonly requesterReview: RequesterReview;
}

export type RequesterReview = 'auto' | 'required' | 'off';

/** Namespaces no policy can open: the operator's own (its tunnel) and the cluster's system namespace. */
export const ALWAYS_DENIED_NAMESPACES = ['kube-system'] as const;

/** Why the policy refuses this request, or undefined when it allows it. Messages name only what the user wrote. */
export function policyDenial(spec: InterceptSpec, policy: InterceptPolicy): Failure | undefined {
  const namespace = spec.targetNamespace;
  const alwaysDenied =
    namespace === policy.operatorNamespace || (ALWAYS_DENIED_NAMESPACES as readonly string[]).includes(namespace);
  if (alwaysDenied || policy.deniedNamespaces.includes(namespace)) {
    return {
      reason: 'NamespaceNotAllowed',
      message: `intercepts in namespace ${namespace} are not allowed by the operator's policy`,
    };
  }
  if (policy.allowedNamespaces.length > 0 && !policy.allowedNamespaces.includes(namespace)) {
    return {
      reason: 'NamespaceNotAllowed',
      message: `intercepts in namespace ${namespace} are not allowed by the operator's policy (allowed: ${policy.allowedNamespaces.join(', ')})`,
    };
  }
  if (!policy.destinationSubnets.some((subnet) => subnetContains(subnet, spec.destinationIP))) {
    return {
      reason: 'DestinationNotAllowed',
      message:
        `destinationIP ${spec.destinationIP} is outside the subnets the operator allows ` +
        `(${policy.destinationSubnets.map((subnet) => subnet.text).join(', ')}); traffic may only go to a Gefyra client's containers`,
    };
  }
  return undefined;
}

/**
 * The policy's verdict including the requester review. Runs before the
 * target is looked at, so a refusal says nothing about the target namespace
 * beyond what the request itself names.
 *
 * A requester counts as known only when the operator's admission webhook
 * stamped it (`stamps` verifies that; undefined where no webhook stamps).
 * `required` refuses every other request. `auto` still reviews a requester
 * that is named but not stamped, since that can only refuse: such a request
 * would pass unnamed anyway.
 */
export async function admissionDenial(
  request: InterceptRequest,
  spec: InterceptSpec,
  policy: InterceptPolicy,
  reviewer: AccessReviewer,
  stamps: RequesterStamps | undefined,
  signal: AbortSignal,
): Promise<Failure | undefined> {
  const denied = policyDenial(spec, policy);
  if (denied || policy.requesterReview === 'off') return denied;
  const { requester } = request;
  const required = policy.requesterReview === 'required';
  if (!requester) {
    if (!required) return undefined;
    return {
      reason: 'RequesterUnknown',
      message: `the request does not name its requester (annotation ${REQUESTER_ANNOTATION}); the operator's policy requires one`,
    };
  }
  if (required && !isStamped(request, requester, stamps)) {
    return {
      reason: 'RequesterNotStamped',
      message:
        `the requester ${requester.user} was not stamped by the operator's admission webhook` +
        `${stamps ? '' : ' (none stamps requesters in this installation)'}; the operator's policy requires a stamped requester`,
    };
  }
  const verdict = await reviewer.mayIntercept(requester, spec.targetNamespace, signal);
  switch (verdict.state) {
    case 'allowed':
      return undefined;
    case 'denied':
      return { reason: 'RequesterNotAuthorized', message: `${verdict.reason}; an intercept needs both` };
    case 'unavailable':
      return required
        ? { reason: 'RequesterNotReviewed', message: `the requester could not be reviewed: ${verdict.reason}` }
        : undefined;
  }
}

function isStamped(
  request: InterceptRequest,
  requester: NonNullable<InterceptRequest['requester']>,
  stamps: RequesterStamps | undefined,
): boolean {
  if (stamps === undefined || requester.stamp === undefined) return false;
  const subject = {
    kind: INTERCEPT_REQUEST_KIND,
    namespace: request.namespace,
    name: request.name,
    user: requester.user,
    groups: requester.groups,
  };
  return stamps.verify(subject, requester.stamp);
}

/** An IPv4 or IPv6 network, as address bits and prefix length. */
export interface Subnet {
  readonly family: 4 | 6;
  readonly network: bigint;
  readonly prefix: number;
  readonly text: string;
}

/** Parses `a.b.c.d/n` or an IPv6 CIDR; undefined when it is not one. */
export function parseSubnet(text: string): Subnet | undefined {
  const [address, prefixText, ...rest] = text.trim().split('/');
  if (address === undefined || prefixText === undefined || rest.length > 0 || !/^\d{1,3}$/.test(prefixText))
    return undefined;
  const parsed = parseAddress(address);
  const prefix = Number(prefixText);
  if (!parsed || prefix > (parsed.family === 4 ? 32 : 128)) return undefined;
  return { family: parsed.family, network: masked(parsed.bits, parsed.family, prefix), prefix, text: text.trim() };
}

export function subnetContains(subnet: Subnet, ip: string): boolean {
  const parsed = parseAddress(ip);
  return (
    parsed !== undefined &&
    parsed.family === subnet.family &&
    masked(parsed.bits, parsed.family, subnet.prefix) === subnet.network
  );
}

/** Whether two subnets share an address (one lies within the other). */
export function subnetsOverlap(first: Subnet, second: Subnet): boolean {
  if (first.family !== second.family) return false;
  const prefix = Math.min(first.prefix, second.prefix);
  return masked(first.network, first.family, prefix) === masked(second.network, second.family, prefix);
}

function masked(bits: bigint, family: 4 | 6, prefix: number): bigint {
  const width = BigInt(family === 4 ? 32 : 128);
  const hostBits = width - BigInt(prefix);
  return (bits >> hostBits) << hostBits;
}

function parseAddress(text: string): { family: 4 | 6; bits: bigint } | undefined {
  if (text.includes(':')) {
    const bits = parseIPv6(text);
    return bits === undefined ? undefined : { family: 6, bits };
  }
  const parts = text.split('.');
  if (parts.length !== 4 || parts.some((part) => !/^\d{1,3}$/.test(part) || Number(part) > 255)) return undefined;
  return { family: 4, bits: parts.reduce((sum, part) => (sum << 8n) + BigInt(Number(part)), 0n) };
}

function parseIPv6(text: string): bigint | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (half: string | undefined): string[] => (half ? half.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...tail];
  if (all.some((group) => !/^[0-9a-fA-F]{1,4}$/.test(group))) return undefined;
  return all.reduce((sum, group) => (sum << 16n) + BigInt(parseInt(group, 16)), 0n);
}

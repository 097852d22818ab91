import { parseSubnet, subnetsOverlap } from '../../../../domain/intercept/intercept-policy.js';
import {
  ALLOWED,
  denied,
  fieldChanged,
  firstDenial,
  isSet,
  type AdmissionInput,
  type AdmissionVerdict,
} from '../../../../domain/admission/admission-verdict.js';
import { parseSunset } from './sunset.js';

/** The state in which the client may hand over its subnet (contract §2). */
export const WAITING_STATE = 'WAITING';
export const STOWAWAY_PROVIDER = 'stowaway';

/** The 2.5 operator's pattern for `providerParameter.subnet`; the octets and prefix are range-checked on top. */
const SUBNET_PATTERN = /^\d{1,3}(\.\d{1,3}){3}\/\d{1,3}$/;

/** A subnet some other GefyraClient holds, and who holds it (for the message). */
export interface HeldSubnet {
  readonly holder: string;
  readonly subnet: string;
}

/** Another GefyraClient whose name gives the same WireGuard peer id. */
export interface SharedPeerId {
  readonly peerId: string;
  readonly client: string;
}

export interface ClientParametersContext {
  /** Subnets of the other clients: their `providerParameter`s and Stowaway's `SERVER_ALLOWEDIPS_PEER_*`. */
  readonly otherSubnets: readonly HeldSubnet[];
  /** An existing client whose peer id this client's name gives too. */
  readonly peerIdTakenBy?: SharedPeerId | undefined;
}

/**
 * `/client-parameters` (contract §5). CREATE: no providerParameter yet, and
 * a name whose peer id no other client has (the client logs the refusal's message).
 * UPDATE: providerParameter may become set only in WAITING. Always: sunset
 * parses, the provider is Stowaway, and a set subnet is well-formed; when it
 * changes, it may not overlap another client's (the peers' routes would
 * collide). The client answers a refusal of its subnet with a new one.
 */
export function validateClientParameters(input: AdmissionInput, context: ClientParametersContext): AdmissionVerdict {
  const { object } = input;
  const providerParameter = object['providerParameter'];
  const parameterChanged = input.operation === 'UPDATE' && fieldChanged(input, 'providerParameter');
  return firstDenial(
    () =>
      input.operation === 'CREATE' && isSet(providerParameter)
        ? denied("Cannot set 'providerParameter' when creating a Gefyra client")
        : ALLOWED,
    () =>
      input.operation === 'CREATE' && context.peerIdTakenBy
        ? peerIdTaken(object.metadata?.name ?? '', context.peerIdTakenBy)
        : ALLOWED,
    () =>
      parameterChanged && isSet(providerParameter) && object['state'] !== WAITING_STATE
        ? denied(`Cannot set 'providerParameter' when state is not ${WAITING_STATE}`)
        : ALLOWED,
    () => sunsetParses(object['sunset']),
    () =>
      object['provider'] === STOWAWAY_PROVIDER
        ? ALLOWED
        : denied(`Unknown provider ${JSON.stringify(object['provider'])}: this operator serves '${STOWAWAY_PROVIDER}'`),
    () =>
      isSet(providerParameter) ? subnetValid(providerParameter, parameterChanged ? context.otherSubnets : []) : ALLOWED,
  );
}

/**
 * Refused on CREATE only: that refusal the client logs with its message; on
 * its later providerParameter patch it would read a refusal as "subnet
 * taken" and retry with other subnets, and the operator's own patches must pass.
 */
const peerIdTaken = (name: string, taken: SharedPeerId): AdmissionVerdict =>
  denied(
    `The name ${JSON.stringify(name)} gives the WireGuard peer id ${taken.peerId}, ` +
      `which GefyraClient ${taken.client} already has: the two would share one peer and each other's traffic. ` +
      `Choose another name`,
  );

function sunsetParses(sunset: unknown): AdmissionVerdict {
  if (!isSet(sunset)) return ALLOWED;
  if (typeof sunset === 'string' && parseSunset(sunset)) return ALLOWED;
  return denied(`Cannot parse 'sunset': ${JSON.stringify(sunset)} is not an ISO 8601 date and time`);
}

function subnetValid(providerParameter: unknown, others: readonly HeldSubnet[]): AdmissionVerdict {
  const text = (providerParameter as Record<string, unknown>)['subnet'];
  const subnet = typeof text === 'string' && SUBNET_PATTERN.test(text) ? parseSubnet(text) : undefined;
  if (subnet === undefined || subnet.family !== 4) {
    return denied(
      `'providerParameter.subnet' must be an IPv4 CIDR such as 172.18.0.0/16 (got ${JSON.stringify(text)})`,
    );
  }
  const taken = others.find((other) => {
    const held = parseSubnet(other.subnet);
    return held !== undefined && subnetsOverlap(held, subnet);
  });
  return taken === undefined
    ? ALLOWED
    : denied(`Subnet ${subnet.text} overlaps ${taken.subnet} of ${taken.holder}: choose another`);
}

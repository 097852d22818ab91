import { parseSubnet, subnetContains, type Subnet } from '../../../../domain/intercept/intercept-policy.js';

/** What of a GefyraBridge decides where its traffic goes (contract §2, §4): its client and its destination. */
export interface BridgeDestination {
  /** The bridge's `client` field. */
  readonly client: unknown;
  /** Its `gefyra.dev/client` label. */
  readonly clientLabel: unknown;
  readonly destinationIP: unknown;
}

/** The GefyraClient the bridge names, as stored; undefined when there is none. */
export interface BridgeOwner {
  readonly name: string;
  /** Its `providerParameter.subnet`: the Docker network its peer routes, set while it is connected. */
  readonly subnet: unknown;
}

export interface BridgeDestinationDenial {
  readonly reason: 'ClientMismatch' | 'ClientNotFound' | 'ClientNotConnected' | 'DestinationNotAllowed';
  /** Names the subnet(s) the destination had to lie in, when that is the reason. */
  readonly message: string;
}

/** The GefyraClient a bridge belongs to: its `client` field, else its `gefyra.dev/client` label. */
export function bridgeClientOf(bridge: BridgeDestination): string | undefined {
  const named = typeof bridge.client === 'string' && bridge.client !== '' ? bridge.client : bridge.clientLabel;
  return typeof named === 'string' && named !== '' ? named : undefined;
}

/**
 * Where a GefyraBridge may send traffic: into its own client's subnet only.
 * Stowaway routes each client's `providerParameter.subnet` to that client's
 * peer, so a destination in another client's subnet would hand one
 * developer's traffic to another developer's machine. GEFYRA_DESTINATION_SUBNETS
 * (`narrowedTo`), when set, can only narrow this: a destination must also lie
 * in one of its subnets (outside its own client's subnet no address reaches
 * that client). Undefined when allowed. The webhook's `/bridge-parameters`
 * and the GefyraBridge controller both decide with this.
 */
export function bridgeDestinationDenial(
  bridge: BridgeDestination,
  owner: BridgeOwner | undefined,
  narrowedTo: readonly Subnet[] | undefined,
): BridgeDestinationDenial | undefined {
  const named = bridgeClientOf(bridge);
  if (named === undefined) {
    return {
      reason: 'ClientNotFound',
      message: 'The GefyraBridge names no client (field client, label gefyra.dev/client)',
    };
  }
  if (typeof bridge.clientLabel === 'string' && bridge.clientLabel !== '' && bridge.clientLabel !== named) {
    return {
      reason: 'ClientMismatch',
      message:
        `The GefyraBridge names client ${JSON.stringify(named)} ` +
        `but is labelled gefyra.dev/client=${JSON.stringify(bridge.clientLabel)}: ` +
        `both must name the same GefyraClient`,
    };
  }
  if (owner === undefined || owner.name !== named) {
    return {
      reason: 'ClientNotFound',
      message: `GefyraClient ${JSON.stringify(named)} does not exist: a bridge sends traffic only to its own client`,
    };
  }
  const subnet = typeof owner.subnet === 'string' ? parseSubnet(owner.subnet) : undefined;
  if (subnet === undefined) {
    return {
      reason: 'ClientNotConnected',
      message: `GefyraClient ${owner.name} has no subnet (it is not connected): connect it before bridging to it`,
    };
  }
  const destination = String(bridge.destinationIP);
  if (!subnetContains(subnet, destination)) {
    return {
      reason: 'DestinationNotAllowed',
      message:
        `destinationIP ${destination} is outside ${subnet.text}, ` +
        `the subnet of GefyraClient ${owner.name}: ` +
        `a bridge may only send traffic to its own client's containers`,
    };
  }
  if (narrowedTo !== undefined && !narrowedTo.some((allowed) => subnetContains(allowed, destination))) {
    return {
      reason: 'DestinationNotAllowed',
      message: `destinationIP ${destination} is outside the subnets the operator allows (${narrowedTo.map((allowed) => allowed.text).join(', ')})`,
    };
  }
  return undefined;
}

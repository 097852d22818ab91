import { describe, expect, it } from 'vitest';
import {
  bridgeDestinationDenial,
  type BridgeDestination,
} from '../../../../../../src/plugins/gefyra2/domain/bridge/bridge-destination.js';
import { parseSubnet } from '../../../../../../src/domain/intercept/intercept-policy.js';

/**
 * Issue 18: a GefyraBridge's destinationIP is its developer's app container
 * in the Docker network that developer's client passed as
 * providerParameter.subnet; Stowaway routes each client's subnet to that
 * client's peer. This is the rule the webhook and the GefyraBridge controller apply.
 */
describe('bridgeDestinationDenial', () => {
  const DEV_A = { name: 'dev-a', subnet: '172.18.0.0/16' };
  const bridge = (fields: Partial<BridgeDestination> = {}): BridgeDestination => ({
    client: 'dev-a',
    clientLabel: 'dev-a',
    destinationIP: '172.18.0.3',
    ...fields,
  });

  it("allows its own client's app container", () => {
    expect(bridgeDestinationDenial(bridge(), DEV_A, undefined)).toBeUndefined();
    // The client field is optional in the CRD: the label names the client then.
    expect(bridgeDestinationDenial(bridge({ client: '' }), DEV_A, undefined)).toBeUndefined();
  });

  it("refuses another developer's container, naming its own client's subnet", () => {
    expect(bridgeDestinationDenial(bridge({ destinationIP: '172.19.0.3' }), DEV_A, undefined)).toEqual({
      reason: 'DestinationNotAllowed',
      message:
        "destinationIP 172.19.0.3 is outside 172.18.0.0/16, the subnet of GefyraClient dev-a: a bridge may only send traffic to its own client's containers",
    });
    // Not the tunnel's own addresses either: each peer's WireGuard address is another developer's machine.
    expect(bridgeDestinationDenial(bridge({ destinationIP: '192.168.99.3' }), DEV_A, undefined)).toMatchObject({
      reason: 'DestinationNotAllowed',
    });
    expect(bridgeDestinationDenial(bridge({ destinationIP: 'not-an-ip' }), DEV_A, undefined)).toMatchObject({
      reason: 'DestinationNotAllowed',
    });
  });

  it('refuses when the client is missing, not connected, or the field and label disagree', () => {
    expect(bridgeDestinationDenial(bridge(), undefined, undefined)).toEqual({
      reason: 'ClientNotFound',
      message: 'GefyraClient "dev-a" does not exist: a bridge sends traffic only to its own client',
    });
    expect(
      bridgeDestinationDenial(bridge({ client: undefined, clientLabel: undefined }), DEV_A, undefined),
    ).toMatchObject({ reason: 'ClientNotFound' });
    expect(bridgeDestinationDenial(bridge(), { name: 'dev-b', subnet: '172.18.0.0/16' }, undefined)).toMatchObject({
      reason: 'ClientNotFound',
    });
    expect(bridgeDestinationDenial(bridge(), { name: 'dev-a', subnet: undefined }, undefined)).toEqual({
      reason: 'ClientNotConnected',
      message: 'GefyraClient dev-a has no subnet (it is not connected): connect it before bridging to it',
    });
    expect(bridgeDestinationDenial(bridge({ clientLabel: 'dev-b' }), DEV_A, undefined)).toMatchObject({
      reason: 'ClientMismatch',
    });
  });

  it("GEFYRA_DESTINATION_SUBNETS only narrows: outside its own client's subnet nothing is allowed", () => {
    const narrowed = [parseSubnet('172.18.4.0/24')!];
    expect(bridgeDestinationDenial(bridge(), DEV_A, narrowed)).toEqual({
      reason: 'DestinationNotAllowed',
      message: 'destinationIP 172.18.0.3 is outside the subnets the operator allows (172.18.4.0/24)',
    });
    expect(bridgeDestinationDenial(bridge({ destinationIP: '172.18.4.9' }), DEV_A, narrowed)).toBeUndefined();
    const wide = [parseSubnet('172.16.0.0/12')!];
    expect(bridgeDestinationDenial(bridge({ destinationIP: '172.19.0.3' }), DEV_A, wide)).toMatchObject({
      reason: 'DestinationNotAllowed',
      message: expect.stringContaining('172.18.0.0/16'),
    });
  });
});

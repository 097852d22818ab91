import type { Manifest, ObjectApi } from '../../../ports/cluster-api.port.js';
import {
  GEFYRA2_API_VERSION,
  GEFYRA_BRIDGE_KIND,
  GEFYRA_BRIDGE_MOUNT_KIND,
  GEFYRA_CLIENT_KIND,
} from '../install/gefyra2-crds.js';
import type { AdmissionInput } from '../../../domain/admission/admission-verdict.js';
import type { AdmissionHandler } from '../../../adapters/webhook/admission-server.js';
import { bridgeClientOf, type BridgeOwner } from '../domain/bridge/bridge-destination.js';
import type { Subnet } from '../../../domain/intercept/intercept-policy.js';
import {
  bridgeDestinationOf,
  destinationChanged,
  validateBridgeParameters,
} from '../domain/admission/bridge-parameters.js';
import { validateClientParameters, type HeldSubnet, type SharedPeerId } from '../domain/admission/client-parameters.js';
import { validateMountParameters } from '../domain/admission/mount-parameters.js';
import { peerIdOf, STOWAWAY2, SUBNET_KEY_PREFIX, subnetKey } from '../tunnel/stowaway2-names.js';

/** The operator's settings the rules apply. */
export interface AdmissionPolicy {
  /** GEFYRA_DESTINATION_SUBNETS; undefined when unset. */
  readonly destinationSubnets: readonly Subnet[] | undefined;
}

export const NO_POLICY_SETTINGS: AdmissionPolicy = { destinationSubnets: undefined };

/**
 * The three paths of the 2.5 operator's webhook (contract §5), each the
 * handler id kopf gives it. The object's own namespace is where its peers
 * live (the client and Stowaway both use `gefyra`).
 */
export function admissionHandlers(
  objects: ObjectApi,
  policy: AdmissionPolicy = NO_POLICY_SETTINGS,
): Readonly<Record<string, AdmissionHandler>> {
  const list = (kind: string, namespace: string, signal: AbortSignal) =>
    objects.list({ apiVersion: GEFYRA2_API_VERSION, kind }, namespace, undefined, signal);
  return {
    '/client-parameters': async (input, namespace, signal) => {
      const name = input.object.metadata?.name ?? '';
      const [clients, stowawayConfig] = await Promise.all([
        list(GEFYRA_CLIENT_KIND, namespace, signal),
        objects.find({ apiVersion: 'v1', kind: 'ConfigMap', namespace, name: STOWAWAY2.configMap }, signal, {
          fresh: true,
        }),
      ]);
      return validateClientParameters(input, {
        otherSubnets: [...subnetsOfClients(clients, name), ...subnetsOfPeers(stowawayConfig, name)],
        peerIdTakenBy: clientWithPeerIdOf(clients, name),
      });
    },
    '/mount-parameters': async (input, namespace, signal) => {
      const mounts = await list(GEFYRA_BRIDGE_MOUNT_KIND, namespace, signal);
      return validateMountParameters(input, {
        otherMounts: mounts.map((mount) => ({
          name: mount.metadata.name,
          target: mount['target'],
          targetNamespace: mount['targetNamespace'],
        })),
      });
    },
    '/bridge-parameters': async (input, namespace, signal) => {
      const { destinationSubnets } = policy;
      // The client's subnet is read only when the rule looks at it: the operator's own state patches pass here too, also after the client disconnected.
      const owner =
        input.operation === 'CREATE' || (input.operation === 'UPDATE' && destinationChanged(input))
          ? await ownerOf(objects, input.object, namespace, signal)
          : undefined;
      if (input.operation !== 'CREATE')
        return validateBridgeParameters(input, { mountState: undefined, otherBridges: [], owner, destinationSubnets });
      const target = input.object['target'];
      const [mount, bridges] = await Promise.all([
        typeof target === 'string' && target !== ''
          ? objects.find(
              { apiVersion: GEFYRA2_API_VERSION, kind: GEFYRA_BRIDGE_MOUNT_KIND, namespace, name: target },
              signal,
              { fresh: true },
            )
          : Promise.resolve(undefined),
        list(GEFYRA_BRIDGE_KIND, namespace, signal),
      ]);
      return validateBridgeParameters(input, {
        mountState: mount === undefined ? undefined : String(mount['state'] ?? 'REQUESTED'),
        otherBridges: bridges.map((bridge) => ({
          name: bridge.metadata.name,
          target: bridge['target'],
          providerParameter: bridge['providerParameter'],
        })),
        owner,
        destinationSubnets,
      });
    },
  };
}

/** The GefyraClient a bridge names, with the subnet its peer routes. */
async function ownerOf(
  objects: ObjectApi,
  bridge: AdmissionInput['object'],
  namespace: string,
  signal: AbortSignal,
): Promise<BridgeOwner | undefined> {
  const name = bridgeClientOf(bridgeDestinationOf(bridge));
  if (name === undefined) return undefined;
  const client = await objects.find(
    { apiVersion: GEFYRA2_API_VERSION, kind: GEFYRA_CLIENT_KIND, namespace, name },
    signal,
    { fresh: true },
  );
  return client === undefined ? undefined : { name, subnet: subnetOf(client) };
}

const subnetOf = (client: Manifest): unknown =>
  (client['providerParameter'] as { subnet?: unknown } | null | undefined)?.subnet;

function subnetsOfClients(clients: readonly Manifest[], self: string): HeldSubnet[] {
  return clients.flatMap((client) => {
    const subnet = subnetOf(client);
    return client.metadata.name !== self && typeof subnet === 'string'
      ? [{ holder: `GefyraClient ${client.metadata.name}`, subnet }]
      : [];
  });
}

/** Another client whose name Stowaway spells as the same peer id. */
function clientWithPeerIdOf(clients: readonly Manifest[], self: string): SharedPeerId | undefined {
  const peerId = peerIdOf(self);
  const other = clients.find((client) => client.metadata.name !== self && peerIdOf(client.metadata.name) === peerId);
  return other && { peerId, client: other.metadata.name };
}

/** Peers Stowaway still has, though their GefyraClient may be gone (a removal in progress): their routes exist until then. */
function subnetsOfPeers(configMap: Manifest | undefined, self: string): HeldSubnet[] {
  const data = (configMap?.['data'] ?? {}) as Record<string, string>;
  const ownKey = subnetKey(peerIdOf(self));
  return Object.entries(data)
    .filter(([key]) => key.startsWith(SUBNET_KEY_PREFIX) && key !== ownKey)
    .map(([key, subnet]) => ({ holder: `Stowaway peer ${key.slice(SUBNET_KEY_PREFIX.length)}`, subnet }));
}

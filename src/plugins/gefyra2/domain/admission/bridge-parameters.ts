import { bridgeDestinationDenial, type BridgeDestination, type BridgeOwner } from '../bridge/bridge-destination.js';
import { parsePortMappings } from '../bridge/port-mappings.js';
import { parseBridgeRules } from '../bridge-rules/bridge-rules.js';
import { overlapOf } from '../bridge-rules/rule-overlap.js';
import type { Subnet } from '../../../../domain/intercept/intercept-policy.js';
import {
  ALLOWED,
  denied,
  firstDenial,
  immutable,
  isSet,
  type AdmissionInput,
  type AdmissionVerdict,
  type GefyraObject,
} from '../../../../domain/admission/admission-verdict.js';

export const CARRIER2_PROVIDER = 'carrier2';
export const BRIDGE_MOUNT_LABEL = 'gefyra.dev/bridge-mount';
export const BRIDGE_CLIENT_LABEL = 'gefyra.dev/client';
export const ACTIVE_STATE = 'ACTIVE';

/** Another bridge, as far as the rules compare it. */
export interface ExistingBridge {
  readonly name: string;
  readonly target: unknown;
  readonly providerParameter: unknown;
}

export interface BridgeParametersContext {
  /** The `state` of the mount the bridge targets; undefined when there is no such mount. */
  readonly mountState: string | undefined;
  /** The other bridges on the same mount. */
  readonly otherBridges: readonly ExistingBridge[];
  /** The GefyraClient the bridge names (bridgeClientOf); undefined when there is no such client. */
  readonly owner: BridgeOwner | undefined;
  /** GEFYRA_DESTINATION_SUBNETS, which narrows where a bridge may send traffic; undefined when unset. */
  readonly destinationSubnets: readonly Subnet[] | undefined;
}

/** What of the object decides where its traffic goes. */
export const bridgeDestinationOf = (object: GefyraObject): BridgeDestination => ({
  client: object['client'],
  clientLabel: object.metadata?.labels?.[BRIDGE_CLIENT_LABEL],
  destinationIP: object['destinationIP'],
});

/** Whether an UPDATE changes where the bridge's traffic goes (`gefyra run` re-points destinationIP). */
export function destinationChanged(input: AdmissionInput): boolean {
  if (input.oldObject === undefined) return true;
  const before = bridgeDestinationOf(input.oldObject);
  const after = bridgeDestinationOf(input.object);
  return (
    before.destinationIP !== after.destinationIP ||
    before.client !== after.client ||
    before.clientLabel !== after.clientLabel
  );
}

/**
 * `/bridge-parameters` (contract §5). CREATE: the provider is Carrier2, a
 * destinationIP and both labels are set, the mount is ACTIVE, the destination
 * lies in the bridge's own client's subnet (bridgeDestinationDenial), the
 * port mappings and rules are usable, and no older bridge on the mount takes
 * every request its rules match (rulesVerdict). UPDATE: target,
 * connectionProvider and portMappings are fixed; `destinationIP` may change
 * (`gefyra run` re-routes), within the client's subnet again.
 */
export function validateBridgeParameters(input: AdmissionInput, context: BridgeParametersContext): AdmissionVerdict {
  const { object } = input;
  if (input.operation === 'UPDATE') {
    return firstDenial(
      () => immutable(input, 'GefyraBridge', ['target', 'connectionProvider', 'portMappings']),
      () => (destinationChanged(input) ? destinationVerdict(object, context) : ALLOWED),
    );
  }
  if (input.operation !== 'CREATE') return ALLOWED;
  const labels = object.metadata?.labels ?? {};
  return firstDenial(
    () =>
      object['provider'] === CARRIER2_PROVIDER
        ? ALLOWED
        : denied(`Unknown provider ${JSON.stringify(object['provider'])}: a GefyraBridge uses '${CARRIER2_PROVIDER}'`),
    () => (isSet(object['destinationIP']) ? ALLOWED : denied("A GefyraBridge needs 'destinationIP'")),
    () => {
      const missing = [BRIDGE_MOUNT_LABEL, BRIDGE_CLIENT_LABEL].filter((label) => !isSet(labels[label]));
      return missing.length === 0 ? ALLOWED : denied(`A GefyraBridge needs the label(s) ${missing.join(', ')}`);
    },
    () => {
      if (context.mountState === undefined)
        return denied(`GefyraBridgeMount ${JSON.stringify(object['target'])} does not exist`);
      return context.mountState === ACTIVE_STATE
        ? ALLOWED
        : denied(
            `GefyraBridgeMount ${String(object['target'])} is ${context.mountState}, not ${ACTIVE_STATE}: wait until it is ready`,
          );
    },
    () => destinationVerdict(object, context),
    () => portMappingsVerdict(object),
    () => rulesVerdict(object, context),
  );
}

function portMappingsVerdict(object: GefyraObject): AdmissionVerdict {
  const mappings = parsePortMappings(object['portMappings']);
  return mappings.ok ? ALLOWED : denied(mappings.problem);
}

/**
 * The rules parse as carrier2 needs them, and no older bridge on the mount
 * already takes every request they match: carrier2 gives a request to the
 * first bridge whose rules hit, oldest first, so this one would receive
 * nothing. A partial overlap is admitted (the controller warns of it).
 */
function rulesVerdict(object: GefyraObject, context: BridgeParametersContext): AdmissionVerdict {
  const parsed = parseBridgeRules(object['providerParameter']);
  if (!parsed.ok) return denied(`The GefyraBridge's rules cannot be used: ${parsed.problems.join('; ')}`);
  for (const other of context.otherBridges) {
    if (other.name === object.metadata?.name || other.target !== object['target']) continue;
    const earlier = parseBridgeRules(other.providerParameter);
    if (earlier.ok && overlapOf(earlier.rules, parsed.rules).kind === 'shadowed') {
      return denied(
        `GefyraBridge ${other.name} on ${String(object['target'])} already takes every request these rules match ` +
          '(carrier2 gives a request to the oldest bridge whose rules hit): make the rules narrower or different',
      );
    }
  }
  return ALLOWED;
}

function destinationVerdict(object: GefyraObject, context: BridgeParametersContext): AdmissionVerdict {
  const denial = bridgeDestinationDenial(bridgeDestinationOf(object), context.owner, context.destinationSubnets);
  return denial === undefined ? ALLOWED : denied(denial.message);
}

import { GEFYRA_FINALIZER, recoveryFromError } from '../lifecycle.js';
import { parseBridgeRules } from '../bridge-rules/bridge-rules.js';
import { BRIDGE_STATES, isBridgeState, type BridgeState } from './bridge-states.js';
import { parsePortMappings, type PortMapping } from './port-mappings.js';

/** A GefyraBridge as stored, read leniently: every field is checked by the decision. */
export interface GefyraBridge {
  readonly name: string;
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
  readonly state: string;
  /** When the bridge entered each state (`stateTransitions`). */
  readonly stateTransitions: Readonly<Record<string, string>>;
  readonly destinationIP: unknown;
  readonly portMappings: unknown;
  readonly providerParameter: unknown;
  /** The `clusterEndpoint` written last. */
  readonly clusterEndpoint: Readonly<Record<string, string>> | undefined;
  /** Why it is in ERROR (kept in `status`), so that the way out can be recognised. */
  readonly failure: { readonly reason: string } | undefined;
}

/** A route Stowaway has for one of the bridge's container ports, with the proxy Service in front of it. */
export interface RecordedRoute {
  readonly containerPort: number;
  /** `<destinationIP>:<localPort>` */
  readonly destination: string;
  readonly proxyPort: number;
  /** The Service `gefyra-stowaway-proxy-<proxyPort>` exists. */
  readonly serviceReady: boolean;
}

export interface BridgeObservation {
  readonly bridge: GefyraBridge;
  /** The `state` of the mount the bridge targets; undefined when there is none. */
  readonly mountState: string | undefined;
  /**
   * Why the destination is refused (bridgeDestinationDenial: another client's
   * subnet, the client gone or not connected); undefined when it is allowed.
   */
  readonly destinationDenial: { readonly reason: string; readonly message: string } | undefined;
  readonly routes: readonly RecordedRoute[];
  /** Every carrier2 of the mount runs a configuration with this bridge as it is now. */
  readonly configCurrent: boolean;
  readonly now: Date;
}

export interface BridgeSettings {
  /** The host name of the proxy Service for a proxy port, as carrier2 reaches it. */
  readonly proxyHost: (proxyPort: number) => string;
}

/** The one next thing to do for a bridge; the service does it, observes again and asks again. */
export type BridgeStep =
  | { readonly kind: 'finalize' }
  | { readonly kind: 'addFinalizer' }
  | { readonly kind: 'fail'; readonly reason: string; readonly message: string }
  | {
      readonly kind: 'transition';
      readonly to: BridgeState;
      readonly note: string;
      readonly fields?: Readonly<Record<string, unknown>>;
    }
  | {
      readonly kind: 'route';
      readonly routes: readonly { readonly containerPort: number; readonly destination: string }[];
    }
  | { readonly kind: 'pushConfig' }
  | { readonly kind: 'wait'; readonly recheckAt?: Date };

/**
 * The GefyraBridge lifecycle as a pure function of what is stored: the
 * bridge, its mount's state, its routes and whether carrier2 runs it. A
 * crash between two steps is resumed by the next reconcile.
 */
export function decideBridge(observation: BridgeObservation, settings: BridgeSettings): BridgeStep {
  const { bridge, mountState, now } = observation;
  if (bridge.deleting) return { kind: 'finalize' };
  if (!bridge.finalizers.includes(GEFYRA_FINALIZER)) return { kind: 'addFinalizer' };
  const checked = check(observation);
  if ('reason' in checked) {
    if (bridge.state === 'ERROR' && bridge.failure?.reason === checked.reason) return { kind: 'wait' };
    return { kind: 'fail', ...checked };
  }
  const state = bridge.state as BridgeState;
  const mountActive = mountState === 'ACTIVE';
  switch (state) {
    case 'REQUESTED':
      return { kind: 'transition', to: 'INSTALLING', note: 'waiting for the mount to be ACTIVE' };
    case 'INSTALLING':
      if (!mountActive) return { kind: 'wait' };
      return { kind: 'transition', to: 'INSTALLED', note: 'the mount is ACTIVE' };
    case 'INSTALLED':
      return { kind: 'transition', to: 'CREATING', note: 'routing to the developer and configuring carrier2' };
    case 'RESTORING':
      return { kind: 'transition', to: 'INSTALLED', note: 'restoring the bridge' };
    case 'CREATING':
    case 'ACTIVE': {
      if (!mountActive) {
        return {
          kind: 'transition',
          to: 'INSTALLING',
          note: `the mount is ${mountState ?? 'gone'}: waiting for it to be ACTIVE again`,
        };
      }
      const { mappings } = checked;
      const wanted = mappings.map(({ localPort, containerPort }) => ({
        containerPort,
        destination: `${String(bridge.destinationIP)}:${localPort}`,
      }));
      const routed = wanted.every((route) =>
        observation.routes.some(
          (recorded) =>
            recorded.containerPort === route.containerPort &&
            recorded.destination === route.destination &&
            recorded.serviceReady,
        ),
      );
      if (!routed) return { kind: 'route', routes: wanted };
      if (!observation.configCurrent) return { kind: 'pushConfig' };
      const clusterEndpoint = Object.fromEntries(
        mappings.map(({ containerPort }) => {
          const route = observation.routes.find((recorded) => recorded.containerPort === containerPort)!;
          return [String(containerPort), `${settings.proxyHost(route.proxyPort)}:${route.proxyPort}`];
        }),
      );
      if (state === 'ACTIVE' && sameEndpoints(bridge.clusterEndpoint, clusterEndpoint)) return { kind: 'wait' };
      return {
        kind: 'transition',
        to: 'ACTIVE',
        note: state === 'ACTIVE' ? 're-routed to the developer' : 'requests matching the rules reach the developer',
        fields: { clusterEndpoint },
      };
    }
    case 'ERROR':
      return recoveryFromError(bridge, WRITTEN_PROBLEMS, now);
  }
}

/** Reasons that lie in how the bridge (or its client's connection) is written, not in the cluster. */
const WRITTEN_PROBLEMS: readonly string[] = [
  'UnknownState',
  'InvalidPortMappings',
  'InvalidRules',
  'ClientMismatch',
  'ClientNotFound',
  'ClientNotConnected',
  'DestinationNotAllowed',
];

/**
 * The bridge's port mappings, or what makes it unusable as it is written:
 * each a reason the developer can act on.
 */
function check({
  bridge,
  mountState,
  destinationDenial,
}: BridgeObservation):
  { readonly reason: string; readonly message: string } | { readonly mappings: readonly PortMapping[] } {
  if (!isBridgeState(bridge.state)) {
    return {
      reason: 'UnknownState',
      message: `state "${bridge.state}" is not a GefyraBridge state (${BRIDGE_STATES.join(', ')}); delete the bridge and create it again`,
    };
  }
  const mappings = parsePortMappings(bridge.portMappings);
  if (!mappings.ok) return { reason: 'InvalidPortMappings', message: mappings.problem };
  const rules = parseBridgeRules(bridge.providerParameter);
  if (!rules.ok) return { reason: 'InvalidRules', message: rules.problems.join('; ') };
  if (destinationDenial !== undefined) return destinationDenial;
  if (mountState === undefined) {
    return {
      reason: 'MountNotFound',
      message: 'the GefyraBridgeMount this bridge targets does not exist; create the mount, then the bridge again',
    };
  }
  return { mappings: mappings.mappings };
}

function sameEndpoints(
  written: Readonly<Record<string, string>> | undefined,
  wanted: Readonly<Record<string, string>>,
): boolean {
  if (written === undefined) return false;
  const keys = Object.keys(wanted);
  return keys.length === Object.keys(written).length && keys.every((key) => written[key] === wanted[key]);
}

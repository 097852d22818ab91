import { findContainer, type Pod } from '../../../../domain/cluster/pod.js';
import { fnv1a } from '../../../../domain/fingerprint.js';
import { httpProbePorts } from '../../../../domain/intercept/intercept-machine.js';
import type { RequestRules } from '../../../../domain/routes/request-rules.js';
import type { CarrierConfiguration, CarrierRoute } from '../../../../ports/carrier-installer.port.js';
import type { BridgeRoutes } from '../../ports/bridge-routes.port.js';
import type { GefyraBridgeStore } from '../../ports/gefyra2-object-store.port.js';
import { BRIDGE_MOUNT_LABEL } from '../admission/bridge-parameters.js';
import { parseBridgeRules } from '../bridge-rules/bridge-rules.js';
import { bridgeClientOf } from '../bridge/bridge-destination.js';
import type { RecordedRoute } from '../bridge/bridge-decision.js';
import type { StoredBridge } from '../bridge/gefyra-bridge.js';
import { parsePortMappings } from '../bridge/port-mappings.js';
import { shadowUpstreamOf } from './shadow-clone.js';

/** A bridge of the mount that carrier2 is to serve: its rules and its routes in the tunnel. */
export interface RoutedBridge {
  readonly name: string;
  /** Its creationTimestamp: older bridges are tried first. */
  readonly since: string;
  readonly rules: RequestRules;
  readonly routes: readonly RecordedRoute[];
}

/** States in which a bridge's routes belong in carrier2's configuration. */
export const SERVED_STATES: readonly string[] = ['CREATING', 'ACTIVE'];

/**
 * The bridges of a mount that carrier2 serves, read fresh from the cluster:
 * every bridge labelled with the mount, not being deleted, CREATING or
 * ACTIVE, with usable rules and a route for each of its container ports.
 * Listed afresh on every push, so two pushes racing both send what is stored.
 */
export async function routedBridgesOf(
  mount: { readonly namespace: string; readonly name: string },
  bridges: GefyraBridgeStore,
  routes: BridgeRoutes,
  signal: AbortSignal,
): Promise<RoutedBridge[]> {
  const served: RoutedBridge[] = [];
  for (const bridge of await bridges.list(mount.namespace, { [BRIDGE_MOUNT_LABEL]: mount.name }, signal)) {
    const routed = await routedBridge(bridge, routes, signal);
    if (routed !== undefined) served.push(routed);
  }
  return served;
}

async function routedBridge(
  bridge: StoredBridge,
  routes: BridgeRoutes,
  signal: AbortSignal,
): Promise<RoutedBridge | undefined> {
  if (bridge.deleting || !SERVED_STATES.includes(bridge.state)) return undefined;
  const rules = parseBridgeRules(bridge.providerParameter);
  const mappings = parsePortMappings(bridge.portMappings);
  const client = bridgeClientOf(bridge);
  if (!rules.ok || !mappings.ok || client === undefined) return undefined;
  const recorded = await routes.routesOf({ bridge: bridge.name, client }, signal);
  const mine = mappings.mappings.map(({ containerPort }) =>
    recorded.find((route) => route.containerPort === containerPort && route.serviceReady),
  );
  if (mine.some((route) => route === undefined)) return undefined;
  return { name: bridge.name, since: bridge.createdAt, rules: rules.rules, routes: mine as RecordedRoute[] };
}

/**
 * carrier2's configuration for one original pod (contract §4 "Config"):
 * the bridges' routes with their rules, oldest first then by name (carrier2
 * gives a request to the first bridge whose rules hit), everything else to
 * the shadow's Service on each container port, the httpGet probe ports that
 * are no container port answered by carrier2 itself, and a fingerprint of
 * all of it that the carrier shows once it runs it.
 */
export function mountConfiguration(options: {
  readonly pod: Pod;
  readonly container: string;
  readonly shadowService: { readonly name: string; readonly namespace: string };
  readonly bridges: readonly RoutedBridge[];
  readonly proxyHost: (proxyPort: number) => string;
}): CarrierConfiguration {
  const containerPorts = (findContainer(options.pod, options.container)?.ports ?? []).map((port) => port.containerPort);
  const ordered = [...options.bridges].sort((a, b) => a.since.localeCompare(b.since) || a.name.localeCompare(b.name));
  const routes: CarrierRoute[] = ordered.flatMap((bridge) =>
    [...bridge.routes]
      .sort((a, b) => a.containerPort - b.containerPort)
      .map((route) => ({
        containerPort: route.containerPort,
        proxyHost: options.proxyHost(route.proxyPort),
        proxyPort: route.proxyPort,
        selective: { name: bridge.name, since: bridge.since, rules: bridge.rules },
      })),
  );
  const fallback = Object.fromEntries(
    containerPorts.map((port) => [port, [shadowUpstreamOf(options.shadowService, port)]] as const),
  );
  const probePorts = httpProbePorts(options.pod, options.container).filter((port) => !containerPorts.includes(port));
  const content = { routes, probePorts, syncDirectories: [] as string[], fallback };
  return { ...content, fingerprint: fnv1a(JSON.stringify(content)) };
}

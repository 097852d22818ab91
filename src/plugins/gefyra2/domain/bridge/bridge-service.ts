import { chooseCarrier } from '../../../../domain/intercept/carrier-choice.js';
import type { Subnet } from '../../../../domain/intercept/intercept-policy.js';
import { DomainError, toDomainError } from '../../../../domain/errors.js';
import type { ReconcileResult } from '../../../../domain/reconcile-result.js';
import type { CarrierInstaller } from '../../../../ports/carrier-installer.port.js';
import type { Clock } from '../../../../ports/clock.port.js';
import type { EventRecorder } from '../../../../ports/event-recorder.port.js';
import type { Logger } from '../../../../ports/logger.port.js';
import type { BridgeRoutes, BridgeOwner as RouteOwner } from '../../ports/bridge-routes.port.js';
import type { GefyraBridgeMountStore, GefyraBridgeStore } from '../../ports/gefyra2-object-store.port.js';
import type { GefyraClientStore } from '../../ports/gefyra-client-store.port.js';
import { BRIDGE_MOUNT_LABEL } from '../admission/bridge-parameters.js';
import { parseBridgeRules } from '../bridge-rules/bridge-rules.js';
import { overlapOf } from '../bridge-rules/rule-overlap.js';
import { microsecondTimestamp } from '../client/client-states.js';
import type { Gefyra2ObjectRef } from '../gefyra2-object.js';
import type { StoredMount } from '../mount/bridge-mount.js';
import { placeOf, type MountCarriers, type OriginalView } from '../mount/mount-carriers.js';
import { SERVED_STATES } from '../mount/mount-configuration.js';
import { decideBridge, type BridgeStep } from './bridge-decision.js';
import { bridgeClientOf, bridgeDestinationDenial } from './bridge-destination.js';
import { BRIDGE_REASONS, bridgeEvent } from './bridge-events.js';
import type { BridgeState } from './bridge-states.js';
import type { StoredBridge } from './gefyra-bridge.js';

export interface BridgeServiceDependencies {
  readonly bridges: GefyraBridgeStore;
  readonly mounts: GefyraBridgeMountStore;
  /** The GefyraClients: a bridge sends traffic only into its own client's subnet. */
  readonly clients: Pick<GefyraClientStore, 'find'>;
  readonly carriers: MountCarriers;
  readonly installers: readonly CarrierInstaller[];
  readonly routes: BridgeRoutes;
  readonly events: EventRecorder;
  readonly clock: Clock;
  readonly logger: Logger;
}

export interface BridgeServiceSettings {
  /** GEFYRA_DESTINATION_SUBNETS, which can only narrow where a bridge may send traffic; undefined when unset. */
  readonly destinationSubnets: readonly Subnet[] | undefined;
  /** How soon to look again while carrier2 in an original pod is not running yet. */
  readonly progressRecheckMs: number;
}

/** A reconcile that keeps finding work after this many steps is a loop, not progress. */
const MAX_STEPS = 20;

/**
 * Reconciles one GefyraBridge: observes its mount, its client, its routes
 * in the tunnel and whether carrier2 in every original pod runs it; asks
 * `decideBridge` for the next step, does it, observes again. carrier2's
 * configuration is rebuilt from all of the mount's bridges on every push
 * (MountCarriers), so a push never drops another developer's bridge.
 */
export class BridgeService {
  readonly #deps: BridgeServiceDependencies;
  readonly #settings: BridgeServiceSettings;

  constructor(dependencies: BridgeServiceDependencies, settings: BridgeServiceSettings) {
    this.#deps = dependencies;
    this.#settings = settings;
  }

  async reconcile(ref: Gefyra2ObjectRef, signal: AbortSignal): Promise<ReconcileResult> {
    let bridge = await this.#deps.bridges.find(ref, signal);
    if (bridge === undefined) {
      await this.#unrouteGone(ref, signal);
      return { done: true };
    }
    for (let steps = 0; bridge !== undefined && steps < MAX_STEPS; steps++) {
      const current = bridge;
      const seen = await this.#observe(current, signal);
      const step = decideBridge(
        {
          bridge: current,
          mountState: seen.mount?.deleting ? 'TERMINATED' : seen.mount?.state,
          destinationDenial: seen.denial,
          routes: seen.routes,
          configCurrent: seen.configCurrent,
          now: this.#deps.clock.now(),
        },
        { proxyHost: (port) => this.#deps.routes.proxyHost(port) },
      );
      try {
        const outcome = await this.#apply(current, step, seen, signal);
        if ('result' in outcome) return outcome.result;
        bridge = outcome.bridge;
      } catch (error) {
        await this.#explainRetry(current, step, error, signal);
        throw error;
      }
    }
    if (bridge === undefined) return { done: true };
    throw new DomainError('Internal', `GefyraBridge ${ref.name} did not settle after ${MAX_STEPS} steps`, {
      retryable: true,
    });
  }

  /**
   * The names of the bridges the tunnel holds routes for: reconciled when the
   * controller starts, so that the routes of bridges deleted while no
   * operator ran (their finalizer stripped) are removed.
   */
  async routedBridges(signal: AbortSignal): Promise<readonly string[]> {
    return [...new Set((await this.#deps.routes.owners(signal)).map((owner) => owner.bridge))];
  }

  /**
   * A bridge that is gone took no teardown when its finalizer was stripped
   * (`gefyra bridge rm` after `--force`, the client's uninstall): its routes
   * and proxy Services are removed here, whichever client they were for.
   * carrier2 drops it with the mount's next push (the mount watches bridges).
   */
  async #unrouteGone(ref: Gefyra2ObjectRef, signal: AbortSignal): Promise<void> {
    const { routes, logger } = this.#deps;
    for (const owner of await routes.owners(signal)) {
      if (owner.bridge !== ref.name) continue;
      await routes.unroute(owner, signal);
      logger.info(
        { bridge: ref.name, client: owner.client },
        'GefyraBridge is gone without its teardown: its routes and proxy Services removed',
      );
    }
  }

  async #observe(bridge: StoredBridge, signal: AbortSignal): Promise<Seen> {
    const { mounts, clients, routes } = this.#deps;
    const mount =
      bridge.mount === undefined
        ? undefined
        : await mounts.find({ namespace: bridge.namespace, name: bridge.mount }, signal);
    const clientName = bridgeClientOf(bridge);
    const client =
      clientName === undefined
        ? undefined
        : await clients.find({ namespace: bridge.namespace, name: clientName }, signal);
    const denial = bridgeDestinationDenial(
      bridge,
      client && { name: client.name, subnet: client.subnet },
      this.#settings.destinationSubnets,
    );
    const owner = clientName === undefined ? undefined : { bridge: bridge.name, client: clientName };
    const recorded = owner === undefined ? [] : await routes.routesOf(owner, signal);
    // Only a bridge carrier2 serves pushes or asks whether carrier2 runs it: reading every pod and every
    // route of the mount before each of the other steps made a new bridge wait in REQUESTED for them.
    const served = !bridge.deleting && SERVED_STATES.includes(bridge.state);
    const pods =
      served && mount?.state === 'ACTIVE' && !mount.deleting ? await this.#originals(mount, signal) : undefined;
    // No original pod (scaled to zero): nothing runs an older configuration; the mount configures new ones.
    const configCurrent = pods !== undefined && pods.views.every((view) => view.current);
    return { mount, denial, routes: recorded, owner, pods, configCurrent };
  }

  /** The mount's original pods as carrier2 shows them; undefined when there is no carrier or workload to look at. */
  async #originals(mount: StoredMount, signal: AbortSignal): Promise<MountPods | undefined> {
    const carrier = chooseCarrier(this.#deps.installers, 'GefyraBridgeMount', undefined);
    const place = placeOf(mount);
    if (carrier === undefined || place === undefined) return undefined;
    const workload = await this.#deps.carriers.workload.find(place, signal);
    if (workload === undefined) return undefined;
    const views = await this.#deps.carriers.originals(mount, place, workload, carrier, signal);
    return { carrier, place, views };
  }

  async #apply(
    bridge: StoredBridge,
    step: BridgeStep,
    seen: Seen,
    signal: AbortSignal,
  ): Promise<{ bridge: StoredBridge | undefined } | { result: ReconcileResult }> {
    const { bridges, routes } = this.#deps;
    switch (step.kind) {
      case 'finalize':
        await this.#finalize(bridge, seen, signal);
        return { result: { done: true } };
      case 'addFinalizer':
        return { bridge: await bridges.addFinalizer(bridge, signal) };
      case 'fail': {
        const note = `${step.reason}: ${step.message}`;
        await this.#event(bridge, 'Warning', BRIDGE_REASONS.failedIn(bridge.state), note, signal);
        const failure = { reason: step.reason, message: step.message };
        return { bridge: await this.#transition(bridge, 'ERROR', step.message, { status: { failure } }, signal) };
      }
      case 'transition': {
        const written = await this.#transition(bridge, step.to, step.note, step.fields ?? {}, signal);
        if (step.to === 'ACTIVE' && bridge.state !== 'ACTIVE') await this.#warnOfOverlaps(bridge, signal);
        return { bridge: written };
      }
      case 'route': {
        const written = await routes.route(seen.owner!, step.routes, signal);
        const described = written.map(
          (route) => `${route.containerPort} → ${route.destination} via proxy port ${route.proxyPort}`,
        );
        await this.#event(bridge, 'Normal', BRIDGE_REASONS.connection, `routed ${described.join(', ')}`, signal);
        return { bridge: await bridges.find(bridge, signal) };
      }
      case 'pushConfig':
        return this.#push(bridge, seen, signal);
      case 'wait':
        if (step.recheckAt !== undefined) {
          const now = this.#deps.clock.now().getTime();
          return { result: { done: false, requeueAfterMs: Math.max(0, step.recheckAt.getTime() - now) } };
        }
        // The mount's and the client's changes wake the bridge (the controller watches them).
        return { result: { done: true } };
    }
  }

  async #push(
    bridge: StoredBridge,
    seen: Seen,
    signal: AbortSignal,
  ): Promise<{ bridge: StoredBridge | undefined } | { result: ReconcileResult }> {
    const pods = seen.pods;
    if (pods === undefined) {
      // The mount is ACTIVE yet shows no carrier or workload: it will leave ACTIVE, which wakes the bridge.
      return { result: { done: false, requeueAfterMs: this.#settings.progressRecheckMs } };
    }
    let outcome: Awaited<ReturnType<MountCarriers['push']>>;
    try {
      outcome = await this.#deps.carriers.push(pods.place, pods.views, pods.carrier, signal);
    } catch (error) {
      const failure = toDomainError(error);
      if (failure.retryable || failure.kind === 'Aborted' || failure.kind === 'Conflict') throw error;
      const message = `carrier2 refused the configuration with this bridge: ${failure.message}`;
      await this.#event(bridge, 'Warning', BRIDGE_REASONS.failedIn(bridge.state), message, signal);
      return {
        bridge: await this.#transition(
          bridge,
          'ERROR',
          message,
          { status: { failure: { reason: 'ConfigurationRefused', message } } },
          signal,
        ),
      };
    }
    if (outcome.pushed.length > 0) {
      await this.#event(
        bridge,
        'Normal',
        BRIDGE_REASONS.connection,
        `carrier2 configured in ${outcome.pushed.join(', ')}`,
        signal,
      );
    }
    if (outcome.pushed.length === 0 && outcome.notRunning.length > 0) {
      return { result: { done: false, requeueAfterMs: this.#settings.progressRecheckMs } };
    }
    return { bridge: await this.#deps.bridges.find(bridge, signal) };
  }

  /**
   * carrier2 configured without the bridge first (the list it is built from
   * leaves out bridges being deleted), so that its requests go to the shadow
   * before the route they took is gone; then the routes out, then the
   * finalizer. A crash in between is resumed by the next reconcile, and
   * nothing of the bridge is left when its object goes.
   */
  async #finalize(bridge: StoredBridge, seen: Seen, signal: AbortSignal): Promise<void> {
    if (seen.mount !== undefined && !seen.mount.deleting) {
      const pods = await this.#originals(seen.mount, signal);
      if (pods !== undefined) {
        await this.#deps.carriers.push(pods.place, pods.views, pods.carrier, signal);
        await this.#event(
          bridge,
          'Normal',
          BRIDGE_REASONS.stateChanged,
          `GefyraBridge '${bridge.name}' removed from carrier2 and the tunnel`,
          signal,
        );
      }
    }
    if (seen.owner !== undefined) await this.#deps.routes.unroute(seen.owner, signal);
    await this.#deps.bridges.removeFinalizer(bridge, signal);
  }

  /**
   * An older bridge of the same mount whose rules hit some of this one's
   * requests takes them (carrier2 tries the oldest first): said in a Warning
   * naming both, with a request that both match.
   */
  async #warnOfOverlaps(bridge: StoredBridge, signal: AbortSignal): Promise<void> {
    const mine = parseBridgeRules(bridge.providerParameter);
    if (!mine.ok || bridge.mount === undefined) return;
    const others = await this.#deps.bridges.list(bridge.namespace, { [BRIDGE_MOUNT_LABEL]: bridge.mount }, signal);
    const older = others
      .filter((other) => other.name !== bridge.name && !other.deleting && isOlder(other, bridge))
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.name.localeCompare(b.name));
    for (const other of older) {
      const theirs = parseBridgeRules(other.providerParameter);
      if (!theirs.ok) continue;
      const overlap = overlapOf(theirs.rules, mine.rules);
      if (overlap.kind === 'none') continue;
      const note =
        overlap.kind === 'shadowed'
          ? `GefyraBridge ${other.name} (older) takes every request the rules of GefyraBridge ${bridge.name} match: ` +
            `${bridge.name} receives nothing while ${other.name} exists; make its rules narrower or different`
          : `GefyraBridges ${other.name} and ${bridge.name} on mount ${bridge.mount} both match some requests, ` +
            `e.g. ${describeRequest(overlap.example)}; ${other.name} (older) receives them`;
      await this.#event(bridge, 'Warning', BRIDGE_REASONS.overlap, note, signal);
    }
  }

  async #transition(
    bridge: StoredBridge,
    to: BridgeState,
    note: string,
    fields: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
  ): Promise<StoredBridge> {
    const from = bridge.state;
    if (from === to) return this.#deps.bridges.update(bridge, fields, signal);
    const written = await this.#deps.bridges.update(
      bridge,
      { ...fields, state: to, stateTransitions: { [to]: microsecondTimestamp(this.#deps.clock.now()) } },
      signal,
    );
    await this.#event(
      bridge,
      to === 'ERROR' ? 'Warning' : 'Normal',
      BRIDGE_REASONS.stateChanged,
      `${from} → ${to}: ${note}`,
      signal,
    );
    if (to === 'INSTALLING') {
      const mount = bridge.mount ?? 'of its target';
      await this.#event(
        bridge,
        'Normal',
        BRIDGE_REASONS.waiting,
        `waiting for GefyraBridgeMount ${mount} to be ACTIVE`,
        signal,
      );
    }
    if (to === 'ACTIVE')
      await this.#event(bridge, 'Normal', BRIDGE_REASONS.ready, `GefyraBridge '${bridge.name}' is now active`, signal);
    return written;
  }

  async #explainRetry(bridge: StoredBridge, step: BridgeStep, error: unknown, signal: AbortSignal): Promise<void> {
    const failure = toDomainError(error);
    if (failure.kind === 'Conflict' || failure.kind === 'Aborted') return;
    this.#deps.logger.warn(
      { bridge: bridge.name, step: step.kind, kind: failure.kind, error: failure.message },
      'GefyraBridge step failed; retrying',
    );
    await this.#event(
      bridge,
      'Warning',
      BRIDGE_REASONS.stateChanged,
      `${bridge.state}: ${step.kind} failed (${failure.kind}): ${failure.message}; retrying`,
      signal,
    );
  }

  async #event(
    bridge: Gefyra2ObjectRef,
    type: 'Normal' | 'Warning',
    reason: string,
    note: string,
    signal: AbortSignal,
  ): Promise<void> {
    await this.#deps.events.record(bridgeEvent(bridge, type, reason, note), signal);
  }
}

interface MountPods {
  readonly carrier: CarrierInstaller;
  readonly place: NonNullable<ReturnType<typeof placeOf>>;
  readonly views: readonly OriginalView[];
}

interface Seen {
  readonly mount: StoredMount | undefined;
  readonly denial: ReturnType<typeof bridgeDestinationDenial>;
  readonly routes: Awaited<ReturnType<BridgeRoutes['routesOf']>>;
  readonly owner: RouteOwner | undefined;
  readonly pods: MountPods | undefined;
  readonly configCurrent: boolean;
}

const isOlder = (other: StoredBridge, bridge: StoredBridge): boolean =>
  other.createdAt < bridge.createdAt || (other.createdAt === bridge.createdAt && other.name < bridge.name);

function describeRequest(request: {
  readonly pathAndQuery: string;
  readonly headers: readonly (readonly [string, string])[];
}): string {
  const headers = request.headers.map(([name, value]) => `${name}: ${value}`).join(', ');
  return headers === ''
    ? `a request for ${request.pathAndQuery}`
    : `a request for ${request.pathAndQuery} with ${headers}`;
}

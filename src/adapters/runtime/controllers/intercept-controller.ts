import { toDomainError } from '../../../domain/errors.js';
import {
  INTERCEPT_REQUEST_API_VERSION,
  INTERCEPT_REQUEST_KIND,
  requestKey,
  type InterceptRequestRef,
} from '../../../domain/intercept-request/intercept-request.js';
import { interceptEvent } from '../../../domain/intercept/intercept-events.js';
import type { InterceptService } from '../../../domain/intercept/intercept-service.js';
import type { StandbyService } from '../../../domain/standby/standby-service.js';
import type { Manifest } from '../../../ports/cluster-api.port.js';
import type { EventRecorder } from '../../../ports/event-recorder.port.js';
import type { Logger } from '../../../ports/logger.port.js';
import type { RouteStore } from '../../../ports/route-store.port.js';
import type { TunnelRouter } from '../../../ports/tunnel-provider.port.js';
import { KeyInbox, type Controller, type ControllerWatch, type PeriodicKeys, type Reconciled } from '../controller.js';
import type { InterceptTracker } from '../intercept-tracker.js';
import type { RuntimeAccess } from '../manager.js';
import type { OperatorMetrics } from '../metrics.js';
import type { OperatorPhase } from '../operator-phase.js';
import type { WatchEvent, WatchSpec } from '../watch-source.js';
import { UNWATCHED_TUNNEL_CHECK_MS } from './installation-controller.js';

/** One InterceptRequest, or the look whether the tunnel restarted (and lost every request's routes). */
export type InterceptKey =
  { readonly kind: 'request'; readonly ref: InterceptRequestRef } | { readonly kind: 'tunnelRestart' };

const TUNNEL_RESTART: InterceptKey = { kind: 'tunnelRestart' };
const request = (ref: InterceptRequestRef): InterceptKey => ({ kind: 'request', ref });

/** The pods that carry one carrier's proxy, and which requests a pod serves: each carrier plugin's, adapted by the composition. */
export interface ProxyPods {
  readonly spec: WatchSpec;
  requestsOf(pod: Manifest): readonly InterceptRequestRef[];
}

/** The resync of every request when pods cannot be watched. */
const UNWATCHED_RESYNC_MS = 60_000;

export interface InterceptControllerDependencies {
  readonly namespace: string;
  readonly resyncIntervalMs: number;
  readonly concurrency: number;
  readonly intercepts: InterceptService;
  readonly standby: StandbyService;
  readonly tunnel: Pick<TunnelRouter, 'proxyOwnerOf' | 'currentRevision'>;
  /** Recognises the route table among watched objects, and whose routes it holds. */
  readonly routeTable: Pick<RouteStore, 'routeOwnersIn'>;
  readonly tunnelWatches: readonly WatchSpec[];
  /** One per loaded carrier: several may serve at once. */
  readonly proxyPods: readonly ProxyPods[];
  readonly events: EventRecorder;
  readonly tracker: InterceptTracker;
  readonly metrics: OperatorMetrics;
  readonly phase: OperatorPhase;
  readonly access: RuntimeAccess;
  readonly logger: Logger;
}

/**
 * InterceptRequests in the operator's namespace, once the installation is
 * ready: reconciled when they change, when a pod carrying their proxy
 * changes, when their proxy Service or the route table is deleted, when the
 * tunnel restarts, and at every resync. Requests elsewhere are told (by an
 * Event) that they are not served.
 */
export class InterceptController implements Controller<InterceptKey> {
  readonly name = 'intercept';
  readonly startsWhen = 'installed';
  readonly queue = new KeyInbox<InterceptKey>();
  readonly concurrency: number;
  readonly watches: readonly ControllerWatch<InterceptKey>[];
  readonly resyncs: readonly PeriodicKeys<InterceptKey>[];
  readonly #deps: InterceptControllerDependencies;
  readonly #log: Logger;
  readonly #toldElsewhere = new Set<string>();
  #lastTunnelRevision: string | undefined;

  constructor(dependencies: InterceptControllerDependencies) {
    this.#deps = dependencies;
    this.#log = dependencies.logger;
    this.concurrency = dependencies.concurrency;
    const { namespace, proxyPods, tracker, metrics, access } = dependencies;
    const requests = { apiVersion: INTERCEPT_REQUEST_API_VERSION, kind: INTERCEPT_REQUEST_KIND };
    this.watches = [
      ...dependencies.tunnelWatches.map((spec) => ({
        spec,
        keysOf: () => [TUNNEL_RESTART],
        unwatched: { everyMs: UNWATCHED_TUNNEL_CHECK_MS, keys: () => [TUNNEL_RESTART] },
      })),
      // Pods first: a request reconciled before the pod cache is synced would read its pod from the API.
      ...proxyPods.map((carrier) => ({
        spec: carrier.spec,
        keysOf: (event: WatchEvent) => carrier.requestsOf(event.object).map(request),
        primesCache: true,
      })),
      {
        spec: { ...requests, namespace },
        keysOf: (event) => {
          const durationMs = tracker.observe(event);
          if (durationMs) metrics.interceptSeconds.observe(durationMs.ms / 1000, { phase: durationMs.phase });
          return [request(metadataRef(event.object)), ...this.#contenders(event)];
        },
        primesCache: true,
      },
      { spec: requests, keysOf: (event) => this.#tellIfElsewhere(event) },
      // A deleted route table (or reset ledger) is rebuilt from the requests: each reserves its routes again, on their old ports;
      // an established request whose entry was removed from the table by hand reserves it again.
      // Unwatchable (the Gefyra client's role), the requests' resync finds it instead.
      { spec: { apiVersion: 'v1', kind: 'ConfigMap', namespace }, keysOf: (event) => this.#onConfigMap(event) },
      // A proxy Service deleted: its request loads its routes again.
      { spec: { apiVersion: 'v1', kind: 'Service', namespace }, keysOf: (event) => this.#onService(event) },
    ];
    // Unwatched, a pod that restarts or loses its proxy is noticed at the resync: a short one.
    const podsWatched = proxyPods.every((carrier) => access.canWatch(carrier.spec));
    const resyncMs = podsWatched
      ? dependencies.resyncIntervalMs
      : Math.min(dependencies.resyncIntervalMs, UNWATCHED_RESYNC_MS);
    this.resyncs = [{ everyMs: resyncMs, keys: () => this.#everyRequest() }];
  }

  stopped(): void {
    this.#deps.tracker.clear();
  }

  identify(key: InterceptKey): string {
    return key.kind === 'request' ? `request/${requestKey(key.ref)}` : key.kind;
  }

  async started(signal: AbortSignal): Promise<void> {
    try {
      await this.#deps.standby.collectOrphanRoutes(signal);
    } catch (error) {
      this.#log.warn(
        { error: toDomainError(error).message },
        'could not collect orphan routes; trying at the next resync',
      );
    }
    this.#log.info({ requests: this.#deps.tracker.keys().length }, 'standby: reconciling InterceptRequests');
  }

  async reconcile(key: InterceptKey, signal: AbortSignal): Promise<Reconciled | void> {
    if (this.#deps.phase.resetting) return;
    if (key.kind === 'tunnelRestart') return this.#requeueAllIfTunnelRestarted(signal);
    const result = await this.#deps.intercepts.reconcile(key.ref, signal);
    return result.done ? undefined : { requeueAfterMs: result.requeueAfterMs };
  }

  #everyRequest(): InterceptKey[] {
    return requestKeys(this.#deps.tracker.keys());
  }

  /**
   * A request that is gone or not established (failed, rolled back) may have
   * let go of its container: the others that asked for it, refused as
   * AlreadyIntercepted, are judged again now rather than at the resync.
   */
  #contenders(event: WatchEvent): InterceptKey[] {
    if (event.type !== 'DELETED' && event.object['established'] === true) return [];
    return requestKeys(this.#deps.tracker.sharingTarget(event.object));
  }

  #onConfigMap(event: WatchEvent): InterceptKey[] {
    if (event.type === 'DELETED') return this.#everyRequest();
    const owners = this.#deps.routeTable.routeOwnersIn?.(event.object);
    if (!owners) return [];
    return requestKeys(this.#deps.tracker.establishedKeys()).filter(
      (key) => key.kind === 'request' && !owners.has(key.ref.name),
    );
  }

  #onService(event: WatchEvent): InterceptKey[] {
    const owner = this.#deps.tunnel.proxyOwnerOf(event.object);
    return event.type === 'DELETED' && owner !== undefined
      ? [request({ namespace: this.#deps.namespace, name: owner })]
      : [];
  }

  /**
   * A restarted tunnel has lost the routes it had loaded: every request must
   * load its routes again. Other changes to the tunnel's objects (the touch
   * after every route change among them) concern no request. The first look
   * of a run only notes the revision: every request is reconciled as the
   * run starts anyway.
   */
  async #requeueAllIfTunnelRestarted(signal: AbortSignal): Promise<void> {
    try {
      const revision = await this.#deps.tunnel.currentRevision(AbortSignal.any([signal, AbortSignal.timeout(10_000)]));
      const previous = this.#lastTunnelRevision;
      this.#lastTunnelRevision = revision;
      if (previous === undefined || revision === previous) return;
      this.queue.addAll(this.#everyRequest());
    } catch (error) {
      this.#log.debug(
        { error: toDomainError(error).message },
        'could not read the tunnel revision; the next resync catches up',
      );
    }
  }

  /** A request created in another namespace is not served; its author learns why from an Event next to it. */
  #tellIfElsewhere(event: WatchEvent): InterceptKey[] {
    const { namespace: served, events } = this.#deps;
    const { namespace = '', name, uid = '' } = event.object.metadata;
    if (namespace === served) return [];
    if (event.type === 'DELETED') this.#toldElsewhere.delete(uid);
    if (event.type !== 'ADDED' || this.#toldElsewhere.has(uid)) return [];
    this.#toldElsewhere.add(uid);
    const note = `this operator serves InterceptRequests in namespace ${served} only; this one is ignored (create it there)`;
    void events.record(
      interceptEvent({ namespace, name }, 'Warning', 'NamespaceNotServed', note),
      AbortSignal.timeout(10_000),
    );
    return [];
  }
}

/** The tracker's `namespace/name` keys as work-queue keys. */
function requestKeys(tracked: readonly string[]): InterceptKey[] {
  return tracked.map((key) => {
    const [namespace, name] = key.split('/') as [string, string];
    return request({ namespace, name });
  });
}

function metadataRef(object: Manifest): InterceptRequestRef {
  return { namespace: object.metadata.namespace ?? '', name: object.metadata.name };
}

import type { Manifest } from './cluster-api.port.js';
import type { ContainerRef } from '../domain/cluster/pod.js';
import type { Route } from '../domain/routes/route.js';
import type { Subnet } from '../domain/intercept/intercept-policy.js';

/**
 * The tunnel between the cluster and the developer's machine, in three small
 * roles so that an alternative tunnel can implement each on its own terms.
 * Gefyra's tunnel plugin implements all three.
 */

export type TunnelReadiness =
  | { readonly state: 'ready'; readonly revision: string }
  | { readonly state: 'starting'; readonly since: Date; readonly detail?: string }
  /** Not running and not about to: the reason is the tunnel's own (e.g. an image pull error). */
  | { readonly state: 'failing'; readonly since: Date; readonly reason: string };

/** Lifecycle: install, readiness, connection details, removal. */
export interface TunnelProvider {
  /** What messages call the tunnel, e.g. in "… did not become ready". */
  readonly displayName: string;
  /** How long the tunnel may take to become ready before it is reported as failing. */
  readonly startupTimeoutMs: number;
  /**
   * Creates every component or brings it to the desired state; safe to repeat.
   * Fails with AlreadyExists when something outside Gefyra holds what the
   * tunnel needs (the node port), Forbidden when privileges are missing.
   */
  ensureInstalled(signal: AbortSignal): Promise<void>;
  observeReadiness(signal: AbortSignal): Promise<TunnelReadiness>;
  /**
   * What a client needs to connect, as flat key/value pairs (secret material:
   * never log the values). Fails with NotReady while the tunnel has none yet.
   * Empty for a tunnel that gives each client its own peer and details.
   */
  readConnectionDetails(signal: AbortSignal): Promise<Readonly<Record<string, string>>>;
  /** Removes every component; absent ones are fine. */
  uninstall(signal: AbortSignal): Promise<void>;
}

export type RouteLoad =
  | { readonly state: 'loaded'; readonly revision: string }
  /** The tunnel cannot see the stored table yet (e.g. a mounted ConfigMap not refreshed); try again shortly. */
  | { readonly state: 'pending'; readonly reason: string };

export interface ProxyEndpoint {
  readonly host: string;
  readonly port: number;
}

/** Data plane: serving the stored routes and telling the carrier where to send traffic. */
export interface TunnelRouter {
  /** Ports the tunnel uses itself, never handed out as proxy ports. */
  readonly reservedPorts: readonly number[];
  /**
   * Where the tunnel delivers traffic to the client's side: the subnets it
   * routes to its peer. By default a request's destinationIP must lie in one
   * of them (GEFYRA_DESTINATION_SUBNETS replaces them).
   */
  readonly clientSubnets: readonly Subnet[];
  /**
   * Identity of the running tunnel instance; changes when it restarts and loses
   * what it had loaded. Undefined while none runs.
   */
  currentRevision(signal: AbortSignal): Promise<string | undefined>;
  /**
   * Makes the tunnel serve the stored route table, in which `present` must be
   * found and `absent` (routes released earlier) must not: their proxy ports
   * stop serving, unless another owner holds the port now. Idempotent.
   */
  loadRoutes(
    expect: { readonly present: readonly Route[]; readonly absent: readonly Route[] },
    signal: AbortSignal,
  ): Promise<RouteLoad>;
  /**
   * Proxy ports the tunnel still exposes, by the request that owns each
   * (undefined: unknown owner). A carrier may still point at any of them, so
   * none is handed to another request; an owner's teardown removes its own.
   */
  proxyPortOwners(signal: AbortSignal): Promise<ReadonlyMap<number, string | undefined>>;
  /** The request owning this object when it is one of the tunnel's proxies; undefined for anything else. */
  proxyOwnerOf(object: Manifest): string | undefined;
  /** Where, inside the cluster, the carrier reaches the tunnel for a proxy port. */
  proxyEndpoint(proxyPort: number): ProxyEndpoint;
  /** Makes a directory ready to receive files synced down from a container. */
  prepareSync(target: ContainerRef, signal: AbortSignal): Promise<void>;
  removeSync(target: ContainerRef, signal: AbortSignal): Promise<void>;
}

/** Heartbeat: when the client's side of the tunnel was last heard from. */
export interface TunnelHeartbeat {
  /** The latest handshake of the connected client, or undefined if none happened yet. */
  latestHandshake(signal: AbortSignal): Promise<Date | undefined>;
}

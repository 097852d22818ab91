import type { ContainerRef, Pod } from '../domain/cluster/pod.js';
import type { RequestRules } from '../domain/routes/request-rules.js';

/**
 * CarrierInstaller: the carrier role, a proxy in the target pod that sends a
 * container's traffic into the tunnel, installed for a request and removed
 * exactly. How a carrier gets into the pod is its own business: it may swap
 * the container's image (Gefyra's Carrier), add a sidecar or an ephemeral
 * container. Several carriers may be loaded at once; each says which
 * requests it serves, and the domain picks one per request.
 */

/** Who asked for the carrier: the request's uid and name. */
export interface CarrierOwner {
  readonly uid: string;
  readonly request: string;
}

/**
 * The kinds of request a carrier can serve: an InterceptRequest sends all of
 * a container's traffic to one developer; a GefyraBridgeMount puts a
 * selective carrier in front of a workload's pods, which sends each request
 * to the bridge whose rules it matches, and every other to the workload's shadow.
 */
export type CarrierRequestKind = 'InterceptRequest' | 'GefyraBridgeMount';

/** A container a request wants a carrier in, as the domain read it. */
export interface CarrierTarget {
  readonly pod: Pod;
  readonly container: string;
  readonly owner: CarrierOwner;
  /** Whether the carrier is also to answer the container's probes while the container is intercepted. */
  readonly handleProbes: boolean;
}

/** Why a carrier cannot serve a target: a stable reason for tools, a message for people. */
export interface CarrierProblem {
  readonly reason: string;
  readonly message: string;
}

/**
 * Every state but `absent` may carry `replacedBy`: what someone else put in
 * the carrier's place while the container was intercepted (`kubectl set
 * image`). The intercept then ends, and that change is kept.
 */
interface CarrierPresence {
  readonly owner: CarrierOwner;
  readonly installedAt: Date;
  /**
   * What the carrier stands in for, in words for the request's status (an
   * image-swapping carrier: the original image); undefined when it replaces
   * nothing (a sidecar). The carrier keeps its own record of how to undo itself.
   */
  readonly replaced?: string;
  readonly replacedBy?: string;
}

export type CarrierObservation =
  | { readonly state: 'absent' }
  | ({ readonly state: 'starting' } & CarrierPresence)
  /** `containerID` changes whenever the carrier restarts, which loses its configuration. */
  | ({
      readonly state: 'running';
      readonly containerID: string;
      /**
       * The fingerprint of the configuration this container instance took
       * (CarrierConfiguration's `fingerprint`), when the carrier can tell from
       * the pod alone; undefined when it cannot, or has taken none.
       */
      readonly configured?: string;
    } & CarrierPresence)
  | ({ readonly state: 'failing'; readonly reason: string } & CarrierPresence);

export interface CarrierRoute {
  readonly containerPort: number;
  readonly proxyHost: string;
  readonly proxyPort: number;
  /**
   * Only for a selective carrier: which requests take this route, and whose
   * route it is. Routes are tried oldest first (then by name); a request no
   * route takes goes to the port's `fallback`. Absent: every request.
   */
  readonly selective?: {
    readonly name: string;
    /** When its owner was created (RFC 3339). */
    readonly since: string;
    readonly rules: RequestRules;
  };
}

export interface CarrierConfiguration {
  readonly routes: readonly CarrierRoute[];
  /** HTTP probe ports the carrier should answer with 200. */
  readonly probePorts: readonly number[];
  readonly syncDirectories: readonly string[];
  /**
   * Only for a selective carrier: per container port, the `host:port`s that
   * answer requests no route takes (the workload's shadow).
   */
  readonly fallback?: Readonly<Record<number, readonly string[]>>;
  /**
   * Identifies this configuration (the domain's fingerprint of it): a carrier
   * that records what it took shows it as `configured` in its observation.
   */
  readonly fingerprint?: string;
}

export interface CarrierInstaller {
  /** The carrier's name: what a request names to choose it (see ANNOTATION_CHOOSING_CARRIER) and what messages call it. */
  readonly name: string;
  /** What messages call it, e.g. "Carrier". */
  readonly displayName: string;
  /** The requests this carrier serves. */
  readonly serves: readonly CarrierRequestKind[];
  /** How long the carrier may take to run after its installation before the request fails. */
  readonly startupTimeoutMs: number;
  /**
   * Labels every pod carrying this carrier has, so the runtime can watch
   * exactly those pods across namespaces (and no others).
   */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The requests whose carriers a pod carries, read from the pod alone. */
  ownersOf(pod: Pod): CarrierOwner[];
  /** Why this carrier cannot serve the target (e.g. probes it cannot answer); empty when it can. No I/O. */
  validate(target: CarrierTarget): readonly CarrierProblem[];
  /** What this carrier has in the container now, read from the pod alone (no I/O). */
  observe(pod: Pod, container: string): CarrierObservation;
  /**
   * Puts the carrier into the target container for its owner, recording on
   * the pod, in the same atomic write, whatever it needs to undo that. Fails
   * with Conflict if the pod changed since it was read. Returns the pod as written.
   */
  install(target: CarrierTarget, signal: AbortSignal): Promise<Pod>;
  /**
   * Sends the configuration to the running carrier, each part at most once
   * per container instance (what the carrier shows it has is not sent
   * again), so it is safe to repeat after any failure. Throws a retryable
   * error when a part did not take effect, or when the carrier had to restart
   * to start clean.
   */
  configure(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal): Promise<void>;
  /** Removes the carrier and puts back what it stood in for; a pod without it is left alone. */
  restore(target: ContainerRef, owner: CarrierOwner, signal: AbortSignal): Promise<void>;
}

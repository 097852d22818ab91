import type { ContainerRef, Pod } from '../domain/cluster/pod.js';

/**
 * CarrierInstaller: replaces a pod's container with a proxy that sends the
 * container's traffic into the tunnel, and restores it exactly. Gefyra's
 * Carrier plugin implements it; an alternative proxy implements the same.
 */

/** Who asked for the proxy: the InterceptRequest's uid and name. */
export interface CarrierOwner {
  readonly uid: string;
  readonly request: string;
}

/** The container as it was before the proxy, kept durably on the pod. */
export interface OriginalContainer {
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
}

/**
 * Every state but `absent` may carry `replacedBy`: the image someone else put
 * into the container while it was intercepted (`kubectl set image`). The
 * intercept then ends, and that image is kept.
 */
export type CarrierObservation =
  | { readonly state: 'absent' }
  | { readonly state: 'starting'; readonly owner: CarrierOwner; readonly installedAt: Date; readonly original: OriginalContainer; readonly replacedBy?: string }
  | {
      readonly state: 'running';
      readonly owner: CarrierOwner;
      readonly installedAt: Date;
      readonly original: OriginalContainer;
      /** Changes whenever the container restarts, which loses its configuration. */
      readonly containerID: string;
      readonly replacedBy?: string;
    }
  | {
      readonly state: 'failing';
      readonly owner: CarrierOwner;
      readonly installedAt: Date;
      readonly original: OriginalContainer;
      readonly reason: string;
      readonly replacedBy?: string;
    };

export interface CarrierRoute {
  readonly containerPort: number;
  readonly proxyHost: string;
  readonly proxyPort: number;
}

export interface CarrierConfiguration {
  readonly routes: readonly CarrierRoute[];
  /** HTTP probe ports Carrier should answer with 200. */
  readonly probePorts: readonly number[];
  readonly syncDirectories: readonly string[];
}

export interface CarrierInstaller {
  /**
   * Labels every pod carrying this proxy has, so the runtime can watch exactly
   * those pods across namespaces (and no others).
   */
  readonly podLabels: Readonly<Record<string, string>>;
  /** The requests whose proxies a pod carries, read from the pod alone. */
  ownersOf(pod: Pod): CarrierOwner[];
  /** What runs in the container now, read from the pod alone (no I/O). */
  observe(pod: Pod, container: string): CarrierObservation;
  /**
   * Records the original container on the pod and swaps in the proxy, in one
   * atomic write. Fails with Conflict if the pod changed since it was read.
   */
  install(pod: Pod, container: string, owner: CarrierOwner, signal: AbortSignal): Promise<Pod>;
  /**
   * Sends the configuration to the running proxy, each part at most once per
   * container instance (what the proxy shows it has is not sent again), so it
   * is safe to repeat after any failure. Throws a retryable error when a part
   * did not take effect, or when the proxy had to restart to start clean.
   */
  configure(target: ContainerRef, configuration: CarrierConfiguration, signal: AbortSignal): Promise<void>;
  /** Puts the original container back and forgets the record; a pod without the proxy is left alone. */
  restore(target: ContainerRef, owner: CarrierOwner, signal: AbortSignal): Promise<void>;
}

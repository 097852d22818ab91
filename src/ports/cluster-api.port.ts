import type { ContainerRef, Pod, PodRef } from '../domain/cluster/pod.js';

/**
 * ClusterApi: what the operator and its plugins do to Kubernetes objects.
 *
 * Pods get typed methods because the intercept logic reads them closely and
 * patches them surgically. Everything else the plugins install (Deployments,
 * Services, ConfigMaps, Secrets, RBAC) goes through a small desired-state
 * object API on plain manifests, so a plugin can install what it needs without
 * this port growing a method per kind. Every method takes an AbortSignal;
 * failures are DomainErrors (NotFound, Conflict, Forbidden, Invalid, ...).
 */
export interface Manifest {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: ManifestMetadata;
  readonly [field: string]: unknown;
}

export interface ManifestMetadata {
  readonly name: string;
  readonly namespace?: string;
  readonly uid?: string;
  readonly resourceVersion?: string;
  readonly generation?: number;
  readonly creationTimestamp?: string;
  readonly deletionTimestamp?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly ownerReferences?: readonly unknown[];
  readonly finalizers?: readonly string[];
}

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export const refOf = (manifest: Manifest): ObjectRef => ({
  apiVersion: manifest.apiVersion,
  kind: manifest.kind,
  name: manifest.metadata.name,
  ...(manifest.metadata.namespace === undefined ? {} : { namespace: manifest.metadata.namespace }),
});

export const describeRef = (ref: ObjectRef): string =>
  ref.namespace === undefined ? `${ref.kind} ${ref.name}` : `${ref.kind} ${ref.namespace}/${ref.name}`;

export interface ReadOptions {
  /**
   * Read from the API server itself, not from a watch cache: after a Conflict,
   * the retry must start from what is really stored.
   */
  readonly fresh?: boolean;
}

/** Reads and writes of whole objects: the desired-state API the plugins install with. */
export interface ObjectApi {
  /** The live object, or undefined when it does not exist. */
  find(ref: ObjectRef, signal: AbortSignal, options?: ReadOptions): Promise<Manifest | undefined>;
  /** Objects of a kind, in one namespace or (namespace undefined) in all, optionally by labels. */
  list(
    kind: { apiVersion: string; kind: string },
    namespace: string | undefined,
    labels: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal,
  ): Promise<Manifest[]>;
  /**
   * Creates the object or brings the fields it names to the given values
   * (server-side apply with the operator's field manager). Idempotent.
   */
  apply(manifest: Manifest, signal: AbortSignal): Promise<Manifest>;
  /** Creates; fails with AlreadyExists when the object is there. */
  create(manifest: Manifest, signal: AbortSignal): Promise<Manifest>;
  /** Replaces the object as a whole if metadata.resourceVersion still matches; Conflict otherwise. */
  replace(manifest: Manifest, signal: AbortSignal): Promise<Manifest>;
  /**
   * JSON merge patch (RFC 7386) of the object or of its status subresource.
   * A `metadata.resourceVersion` in the patch makes it conditional (Conflict
   * when the object changed). NotFound when absent.
   */
  patch(
    ref: ObjectRef,
    mergePatch: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
    options?: { readonly subresource?: 'status' },
  ): Promise<Manifest>;
  /** Deletes; absent objects are fine. With `uid`, only that incarnation is deleted. */
  remove(ref: ObjectRef, signal: AbortSignal, options?: { readonly uid?: string }): Promise<void>;
}

export interface PodPatch {
  /** Labels to set; `null` removes one. */
  readonly labels?: Readonly<Record<string, string | null>>;
  /** Annotations to set; `null` removes one. */
  readonly annotations?: Readonly<Record<string, string | null>>;
  /** New image per container name; the only container field a running pod accepts. */
  readonly images?: Readonly<Record<string, string>>;
  /** Rejects the patch with Conflict if the pod changed since this version was read. */
  readonly expectedResourceVersion?: string;
}

export interface PodApi {
  findPod(ref: PodRef, signal: AbortSignal): Promise<Pod | undefined>;
  listPods(namespace: string, labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Pod[]>;
  /** Applies annotations and image changes in one atomic patch and returns the updated pod. */
  patchPod(ref: PodRef, patch: PodPatch, signal: AbortSignal): Promise<Pod>;
}

export interface ExecResult {
  readonly exitCode: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface ExecApi {
  /** Runs a command in a container; a non-zero exit is a result, not an error. */
  exec(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<ExecResult>;
}

export interface ClusterApi extends ObjectApi, PodApi, ExecApi {}

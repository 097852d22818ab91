import type { KubeConfig } from '@kubernetes/client-node';
import type { ContainerRef, Pod, PodRef } from '../../../domain/cluster/pod.js';
import type { ClusterApi, ExecResult, Manifest, ObjectRef, PodPatch } from '../../../ports/cluster-api.port.js';
import { KubeHttp } from './kube-http.js';
import { KubernetesExec } from './kubernetes-exec.js';
import { KubernetesObjects } from './kubernetes-objects.js';
import { KubernetesPods } from './kubernetes-pods.js';
import { ResourceCatalog } from './resource-catalog.js';

const DEFAULT_FIELD_MANAGER = 'gefyra-operator';

export interface KubernetesClusterApiOptions {
  /** How long one exec may take before it fails with Timeout. Default 30 s. */
  readonly execTimeoutMs?: number;
}

/**
 * ClusterApi on a real API server, assembled from its three roles: objects
 * of any kind (discovery, server-side apply, merge patches, status
 * subresource), pods (shared mapper, one strategic merge patch) and exec
 * (WebSocket). Every failure is a DomainError from api-errors.ts.
 */
export class KubernetesClusterApi implements ClusterApi {
  readonly #objects: KubernetesObjects;
  readonly #pods: KubernetesPods;
  readonly #exec: KubernetesExec;

  constructor(
    kubeConfig: KubeConfig,
    fieldManager: string = DEFAULT_FIELD_MANAGER,
    options: KubernetesClusterApiOptions = {},
  ) {
    const http = new KubeHttp(kubeConfig);
    this.#objects = new KubernetesObjects(http, new ResourceCatalog(http), fieldManager);
    this.#pods = new KubernetesPods(this.#objects, http, fieldManager);
    this.#exec = new KubernetesExec(kubeConfig, this.#pods, options.execTimeoutMs);
  }

  find(ref: ObjectRef, signal: AbortSignal): Promise<Manifest | undefined> {
    return this.#objects.find(ref, signal);
  }

  list(
    kind: { apiVersion: string; kind: string },
    namespace: string | undefined,
    labels: Readonly<Record<string, string>> | undefined,
    signal: AbortSignal,
  ): Promise<Manifest[]> {
    return this.#objects.list(kind, namespace, labels, signal);
  }

  apply(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#objects.apply(manifest, signal);
  }

  create(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#objects.create(manifest, signal);
  }

  replace(manifest: Manifest, signal: AbortSignal): Promise<Manifest> {
    return this.#objects.replace(manifest, signal);
  }

  patch(
    ref: ObjectRef,
    mergePatch: Readonly<Record<string, unknown>>,
    signal: AbortSignal,
    options?: { readonly subresource?: 'status' },
  ): Promise<Manifest> {
    return this.#objects.patch(ref, mergePatch, signal, options);
  }

  remove(ref: ObjectRef, signal: AbortSignal, options?: { readonly uid?: string }): Promise<void> {
    return this.#objects.remove(ref, signal, options);
  }

  findPod(ref: PodRef, signal: AbortSignal): Promise<Pod | undefined> {
    return this.#pods.findPod(ref, signal);
  }

  listPods(namespace: string, labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Pod[]> {
    return this.#pods.listPods(namespace, labels, signal);
  }

  patchPod(ref: PodRef, patch: PodPatch, signal: AbortSignal): Promise<Pod> {
    return this.#pods.patchPod(ref, patch, signal);
  }

  exec(target: ContainerRef, command: readonly string[], signal: AbortSignal): Promise<ExecResult> {
    return this.#exec.exec(target, command, signal);
  }
}

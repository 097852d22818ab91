import type { Pod, PodRef } from '../../../domain/cluster/pod.js';
import type { PodApi, PodPatch } from '../../../ports/cluster-api.port.js';
import { buildPodPatchBody, toDomainPod } from '../shapes/index.js';
import type { KubeHttp } from './kube-http.js';
import type { KubernetesObjects } from './kubernetes-objects.js';
import { toManifest } from './served-objects.js';

const POD = { apiVersion: 'v1', kind: 'Pod' } as const;
const STRATEGIC_MERGE_PATCH = 'application/strategic-merge-patch+json';

/**
 * PodApi on the API server. Pods are mapped by the shared kubernetes/shapes
 * mapper, so this adapter and the in-memory fake agree on what a pod means;
 * a PodPatch goes out as one strategic merge patch (containers merge by name).
 */
export class KubernetesPods implements PodApi {
  readonly #objects: KubernetesObjects;
  readonly #http: KubeHttp;
  readonly #fieldManager: string;

  constructor(objects: KubernetesObjects, http: KubeHttp, fieldManager: string) {
    this.#objects = objects;
    this.#http = http;
    this.#fieldManager = fieldManager;
  }

  async findPod(ref: PodRef, signal: AbortSignal): Promise<Pod | undefined> {
    const found = await this.#objects.find({ ...POD, namespace: ref.namespace, name: ref.name }, signal);
    return found && toDomainPod(found);
  }

  async listPods(namespace: string, labels: Readonly<Record<string, string>>, signal: AbortSignal): Promise<Pod[]> {
    return (await this.#objects.list(POD, namespace, labels, signal)).map(toDomainPod);
  }

  async patchPod(ref: PodRef, patch: PodPatch, signal: AbortSignal): Promise<Pod> {
    const answer = await this.#http.send({
      method: 'PATCH',
      path: `/api/v1/namespaces/${encodeURIComponent(ref.namespace)}/pods/${encodeURIComponent(ref.name)}`,
      query: { fieldManager: this.#fieldManager },
      body: buildPodPatchBody(patch),
      contentType: STRATEGIC_MERGE_PATCH,
      action: { verb: 'patch', resource: 'pods', namespace: ref.namespace, name: ref.name },
      signal,
    });
    return toDomainPod(toManifest(answer, POD));
  }
}

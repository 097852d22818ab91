import {
  CoreV1Api,
  type KubeConfig,
  type KubernetesObject,
  type V1Namespace,
  type V1Pod,
} from '@kubernetes/client-node';
import type { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { recordObjects, waitForGone } from '../../e2e/support/cluster-waits.js';
import { deleteAll } from './kustomization.js';

/** What an uninstall on the real node must leave behind (nothing), and how its pods ended. */

const never = new AbortController().signal;

/** The objects of `objects` that still exist, as `<kind> <name>`. */
export async function stillThere(api: KubernetesClusterApi, objects: readonly KubernetesObject[]): Promise<string[]> {
  const left = [];
  for (const object of objects) {
    const { apiVersion, kind, metadata } = object as Required<KubernetesObject>;
    const ref = { apiVersion, kind, name: metadata.name as string, namespace: metadata.namespace };
    if ((await api.find(ref, never)) !== undefined) left.push(`${kind} ${ref.name}`);
  }
  return left;
}

/** Cluster-scoped objects the operator labels as its own (what an uninstall must not leave behind). */
export async function managedClusterObjects(api: KubernetesClusterApi): Promise<string[]> {
  const left: string[] = [];
  for (const kind of [
    { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'MutatingWebhookConfiguration' },
    { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration' },
    { apiVersion: 'v1', kind: 'Namespace' },
  ]) {
    const found = await api.list(kind, undefined, { 'app.kubernetes.io/managed-by': 'gefyra-operator' }, never);
    left.push(...found.map((object) => `${kind.kind} ${object.metadata.name}`));
  }
  return left;
}

/** How each recorded pod's containers ended, as far as the kubelet reported it before the pod was gone. */
export function podEnds(seen: readonly Manifest[]): string {
  const last = new Map<string, V1Pod>();
  for (const pod of seen) last.set(pod.metadata.name, pod as unknown as V1Pod);
  return [...last]
    .map(([name, pod]) => {
      const ends = (pod.status?.containerStatuses ?? []).map((status) => {
        const terminated = status.state?.terminated;
        return terminated === undefined
          ? `${status.name} not reported`
          : `${status.name} ${terminated.reason} ${terminated.exitCode}`;
      });
      return `${name} (grace ${pod.metadata?.deletionGracePeriodSeconds ?? '-'} s): ${ends.join(', ')}`;
    })
    .join('; ');
}

/** The namespace controller's reasons while `namespace` terminated (its True conditions, each once). */
export function terminationConditions(seen: readonly Manifest[], namespace: string): string {
  const reasons = seen
    .filter((object) => object.metadata.name === namespace)
    .flatMap((object) => (object as unknown as V1Namespace).status?.conditions ?? [])
    .filter((condition) => condition.status === 'True')
    .map((condition) => `${condition.reason}: ${condition.message}`);
  return [...new Set(reasons)].join(' | ') || 'nothing reported';
}

/** Containers the kubelet reported killed (137: SIGKILL) rather than ended on SIGTERM. */
export function killedAfterGrace(seen: readonly Manifest[]): string[] {
  return seen.flatMap((pod) =>
    ((pod as unknown as V1Pod).status?.containerStatuses ?? [])
      .filter((status) => status.state?.terminated?.exitCode === 137)
      .map((status) => `${pod.metadata.name}/${status.name}`),
  );
}

/** Pods and Services still in `namespace`, looked up across the cluster (Stowaway, its proxies, the operator). */
export async function inNamespaceAnywhere(kubeConfig: KubeConfig, namespace: string): Promise<string[]> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const selector = { fieldSelector: `metadata.namespace=${namespace}` };
  return [
    ...(await core.listPodForAllNamespaces(selector)).items.map((pod) => `Pod ${pod.metadata?.name}`),
    ...(await core.listServiceForAllNamespaces(selector)).items.map((service) => `Service ${service.metadata?.name}`),
  ];
}

/**
 * `kubectl delete -k`: deletes `objects` in order and waits until `namespace`
 * is gone, watching its pods and the namespace meanwhile. Returns the pods as
 * they went (for killedAfterGrace) and a figure line of how it went.
 */
export async function deleteUntilNamespaceGone(
  kubeConfig: KubeConfig,
  objects: readonly KubernetesObject[],
  namespace: string,
  timeoutMs: number,
): Promise<{ readonly pods: readonly Manifest[]; readonly figure: string }> {
  const pods = recordObjects(kubeConfig, { apiVersion: 'v1', kind: 'Pod', namespace });
  const namespaces = recordObjects(kubeConfig, { apiVersion: 'v1', kind: 'Namespace' });
  const deletedAt = Date.now();
  try {
    await Promise.all([pods.synced, namespaces.synced]);
    await deleteAll(kubeConfig, objects);
    await waitForGone(kubeConfig, { apiVersion: 'v1', kind: 'Namespace', name: namespace }, timeoutMs);
  } finally {
    await Promise.all([pods.stop(), namespaces.stop()]);
  }
  return {
    pods: pods.seen,
    figure:
      `namespace gone ${((Date.now() - deletedAt) / 1000).toFixed(1)} s; ${podEnds(pods.seen)}; ` +
      `what the namespace waited for: ${terminationConditions(namespaces.seen, namespace)}`,
  };
}

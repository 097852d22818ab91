import type { KubeConfig } from '@kubernetes/client-node';
import type { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { ObjectRef } from '../../../src/ports/cluster-api.port.js';
import { waitForGone } from './cluster-waits.js';

const signal = () => AbortSignal.timeout(30_000);

/** Which of `refs` do not exist yet: what a test file may remove again when it ends. */
export async function absentObjects(api: KubernetesClusterApi, refs: readonly ObjectRef[]): Promise<ObjectRef[]> {
  const absent: ObjectRef[] = [];
  for (const ref of refs) if ((await api.find(ref, signal())) === undefined) absent.push(ref);
  return absent;
}

/**
 * Removes cluster-scoped objects and waits until they are gone (a
 * terminating CRD is still listed). A CRD's objects lose their finalizers
 * first: with no operator left to honour them, they would hold the CRD in
 * Terminating for good.
 */
export async function removeClusterObjects(
  kubeConfig: KubeConfig,
  api: KubernetesClusterApi,
  refs: readonly ObjectRef[],
): Promise<void> {
  for (const ref of refs) {
    if (ref.kind === 'CustomResourceDefinition') await releaseObjectsOf(api, ref);
    await api.remove(ref, signal());
  }
  for (const ref of refs) await waitForGone(kubeConfig, ref);
}

async function releaseObjectsOf(api: KubernetesClusterApi, crd: ObjectRef): Promise<void> {
  const definition = await api.find(crd, signal());
  const spec = definition?.['spec'] as
    { group: string; names: { kind: string }; versions: { name: string; storage?: boolean }[] } | undefined;
  const version = spec?.versions.find((entry) => entry.storage)?.name ?? spec?.versions[0]?.name;
  if (spec === undefined || version === undefined) return;
  const kind = { apiVersion: `${spec.group}/${version}`, kind: spec.names.kind };
  for (const object of await api.list(kind, undefined, undefined, signal())) {
    if ((object.metadata.finalizers ?? []).length === 0) continue;
    await api
      .patch(
        { ...kind, namespace: object.metadata.namespace, name: object.metadata.name },
        { metadata: { finalizers: null } },
        signal(),
      )
      .catch(() => undefined);
  }
}

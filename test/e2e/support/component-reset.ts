import type { KubeConfig } from '@kubernetes/client-node';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import type { ObjectRef } from '../../../src/ports/cluster-api.port.js';
import { waitForGone } from './cluster-waits.js';
import { componentRefs } from './gefyra-state.js';
import { INTERCEPT_REQUEST } from './intercept-requests.js';
import { OPERATOR_NAMESPACE } from './operator-access.js';

const never = new AbortController().signal;

/**
 * Brings the operator namespace back to the bare installation (namespace,
 * CRD, RBAC): every InterceptRequest (finalizers dropped, as no operator runs
 * to release them), Stowaway's components, its per-route Services and its
 * pods, each awaited until gone. Only to be called with no operator running:
 * a running one would recreate what this removes.
 */
export async function removeGefyraComponents(admin: KubeConfig, namespace: string = OPERATOR_NAMESPACE): Promise<void> {
  const api = new KubernetesClusterApi(admin, 'gefyra-e2e-admin');
  const gone: ObjectRef[] = [];
  for (const request of await api.list(INTERCEPT_REQUEST, namespace, undefined, never)) {
    const ref = { ...INTERCEPT_REQUEST, namespace, name: request.metadata.name };
    await api.patch(ref, { metadata: { finalizers: null } }, never).catch(() => undefined);
    await api.remove(ref, never);
    gone.push(ref);
  }
  const proxyServices = (await api.list({ apiVersion: 'v1', kind: 'Service' }, namespace, undefined, never))
    .filter((service) => service.metadata.name.startsWith('gefyra-stowaway-proxy-'))
    .map((service) => ({ apiVersion: 'v1', kind: 'Service', namespace, name: service.metadata.name }));
  for (const ref of [...Object.values(componentRefs(namespace)), ...proxyServices]) {
    await api.remove(ref, never);
    gone.push(ref);
  }
  // Stowaway's pod outlives its Deployment until the garbage collector and the node are done with it;
  // a pod still there would be exec'd into by the next test's operator.
  for (const pod of await api.listPods(namespace, { app: 'stowaway' }, never)) gone.push({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod.name });
  for (const ref of gone) await waitForGone(admin, ref);
}

import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { KubernetesClusterApi } from '../../../src/adapters/kubernetes/client/index.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../../src/crd/intercept-request-crd.js';
import type { ObjectRef } from '../../../src/ports/cluster-api.port.js';
import type { ControlPlaneAccess } from '../../support/control-plane/index.js';
import { waitForGone } from './cluster-waits.js';
import { componentRefs } from './gefyra-state.js';
import { INTERCEPT_REQUEST } from './intercept-requests.js';
import { installOperatorAccess, OPERATOR_NAME, OPERATOR_NAMESPACE, type OperatorAccess } from './operator-access.js';

const never = new AbortController().signal;

/**
 * Brings the cluster back to the bare installation, whatever a test left:
 * if a reset removed (part of) the installation, it is installed again and
 * the new access returned; otherwise its components are removed
 * (removeGefyraComponents). Only to be called with no operator running.
 */
export async function restoreBareInstallation(controlPlane: ControlPlaneAccess): Promise<OperatorAccess | undefined> {
  const admin = controlPlane.adminKubeConfig();
  const api = new KubernetesClusterApi(admin, 'gefyra-e2e-admin');
  const namespace = await api.find({ apiVersion: 'v1', kind: 'Namespace', name: OPERATOR_NAMESPACE }, never);
  const installed =
    namespace !== undefined &&
    namespace.metadata.deletionTimestamp === undefined &&
    (await api.find(
      { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: INTERCEPT_REQUEST_CRD_NAME },
      never,
    )) !== undefined &&
    (await api.find(
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: OPERATOR_NAME },
      never,
    )) !== undefined;
  if (installed) {
    await removeGefyraComponents(admin);
    return undefined;
  }
  return await installOperatorAccess(controlPlane);
}

/**
 * Brings the operator namespace back to the bare installation (namespace,
 * CRD, RBAC): every InterceptRequest (finalizers dropped, as no operator runs
 * to release them), Stowaway's components, its per-route Services and its
 * pods, each awaited until gone; the operators' Lease (a killed leader's
 * would hold the next test's operator back) and the Events (a test counts
 * the ones its operator posts). Only to be called with no operator running:
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
  for (const pod of await api.listPods(namespace, { app: 'stowaway' }, never))
    gone.push({ apiVersion: 'v1', kind: 'Pod', namespace, name: pod.name });
  for (const ref of gone) await waitForGone(admin, ref);
  await api.remove({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name: OPERATOR_NAME }, never);
  await admin.makeApiClient(CoreV1Api).deleteCollectionNamespacedEvent({ namespace });
}

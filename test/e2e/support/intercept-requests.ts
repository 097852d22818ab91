import { CustomObjectsApi, type KubeConfig } from '@kubernetes/client-node';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import { clientRequest, type ClientRequestFields } from '../../support/intercept-request-fixtures.js';
import { waitForObject } from './cluster-waits.js';
import { OPERATOR_NAMESPACE } from './operator-access.js';

const GROUP = 'gefyra.dev';
const VERSION = 'v1';
const PLURAL = 'interceptrequests';
export const INTERCEPT_REQUEST = { apiVersion: `${GROUP}/${VERSION}`, kind: 'InterceptRequest' } as const;

export interface InterceptTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
}

/** The name the Gefyra 0.13 client gives a request: `<container>-to-<namespace>.<kind>.<workload>`, here for a bare pod. */
export function clientRequestName(target: InterceptTarget): string {
  return `${target.container}-to-${target.namespace}.pod.${target.pod}`;
}

export interface CreateRequestOptions {
  /** Default: {@link clientRequestName} of the target. */
  readonly name?: string;
  /** Where the client creates it: the operator namespace. */
  readonly namespace?: string;
}

/**
 * Creates an InterceptRequest the way `gefyra bridge` (0.13) does: a POST of
 * the custom object with its fields at the top level (destinationIP,
 * targetPod, targetNamespace, targetContainer, portMappings,
 * syncDownDirectories, handleProbes, established: false), with the user's
 * credentials. `fields` overrides the client's defaults (`8080:8000`, probes handled).
 */
export async function createInterceptRequest(
  kubeConfig: KubeConfig,
  target: InterceptTarget,
  fields: ClientRequestFields = {},
  options: CreateRequestOptions = {},
): Promise<Manifest> {
  const namespace = options.namespace ?? OPERATOR_NAMESPACE;
  const name = options.name ?? clientRequestName(target);
  return await postInterceptRequest(
    kubeConfig,
    clientRequest(
      { targetPod: target.pod, targetNamespace: target.namespace, targetContainer: target.container, ...fields },
      { name, namespace },
    ),
    namespace,
  );
}

/** POSTs a body exactly as given (e.g. clientBridgeBody: what `gefyra bridge` sends) into the operator namespace; the API server's answer. */
export async function postInterceptRequest(
  kubeConfig: KubeConfig,
  body: Record<string, unknown>,
  namespace: string = OPERATOR_NAMESPACE,
): Promise<Manifest> {
  return (await kubeConfig
    .makeApiClient(CustomObjectsApi)
    .createNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, body })) as Manifest;
}

/** Deletes a request as `gefyra unbridge` does; with `wait` (default), resolves once it is gone (the operator released its finalizer). */
export async function deleteInterceptRequest(
  kubeConfig: KubeConfig,
  name: string,
  options: { namespace?: string; wait?: boolean; timeoutMs?: number } = {},
): Promise<void> {
  const namespace = options.namespace ?? OPERATOR_NAMESPACE;
  await kubeConfig
    .makeApiClient(CustomObjectsApi)
    .deleteNamespacedCustomObject({ group: GROUP, version: VERSION, namespace, plural: PLURAL, name });
  if (options.wait !== false) await waitForRequestGone(kubeConfig, name, options);
}

/** Deletes every request in the namespace and waits until all are gone (cleaning up after a failed test). */
export async function deleteAllInterceptRequests(
  kubeConfig: KubeConfig,
  options: { namespace?: string; timeoutMs?: number } = {},
): Promise<void> {
  const namespace = options.namespace ?? OPERATOR_NAMESPACE;
  const api = kubeConfig.makeApiClient(CustomObjectsApi);
  const list = (await api.listNamespacedCustomObject({
    group: GROUP,
    version: VERSION,
    namespace,
    plural: PLURAL,
  })) as { items: Manifest[] };
  for (const item of list.items)
    await deleteInterceptRequest(kubeConfig, item.metadata.name, { ...options, wait: false });
  for (const item of list.items) await waitForRequestGone(kubeConfig, item.metadata.name, options);
}

/** Resolves once the request does not exist any more. */
export async function waitForRequestGone(
  kubeConfig: KubeConfig,
  name: string,
  options: { namespace?: string; timeoutMs?: number } = {},
): Promise<void> {
  const namespace = options.namespace ?? OPERATOR_NAMESPACE;
  await waitForObject(kubeConfig, { ...INTERCEPT_REQUEST, namespace, name }, (object) => object === undefined, {
    what: `InterceptRequest ${name} to be gone`,
    timeoutMs: options.timeoutMs ?? 30_000,
  });
}

/** Waits until the request satisfies `predicate` (watching it), and returns it. */
export async function waitForRequest(
  kubeConfig: KubeConfig,
  name: string,
  predicate: (request: Manifest) => boolean,
  options: { what: string; namespace?: string; timeoutMs?: number },
): Promise<Manifest> {
  const namespace = options.namespace ?? OPERATOR_NAMESPACE;
  const found = await waitForObject(
    kubeConfig,
    { ...INTERCEPT_REQUEST, namespace, name },
    (object) => object !== undefined && predicate(object),
    {
      what: `InterceptRequest ${name}: ${options.what}`,
      timeoutMs: options.timeoutMs ?? 30_000,
    },
  );
  return found as Manifest;
}

/** What the 0.13 client waits for: `established: true`. */
export async function waitForEstablished(
  kubeConfig: KubeConfig,
  name: string,
  options: { namespace?: string; timeoutMs?: number } = {},
): Promise<Manifest> {
  return await waitForRequest(kubeConfig, name, (request) => request['established'] === true, {
    what: 'established',
    ...options,
  });
}

export async function waitForPhase(
  kubeConfig: KubeConfig,
  name: string,
  phase: string,
  options: { namespace?: string; timeoutMs?: number } = {},
): Promise<Manifest> {
  return await waitForRequest(kubeConfig, name, (request) => statusOf(request).phase === phase, {
    what: `phase ${phase}`,
    ...options,
  });
}

export interface RequestStatus {
  readonly phase?: string;
  readonly reason?: string;
  readonly message?: string;
  readonly conditions?: readonly { type: string; status: string; reason?: string; message?: string }[];
  readonly routes?: readonly {
    containerPort: number;
    destinationIP: string;
    destinationPort: number;
    proxyPort: number;
  }[];
  readonly [field: string]: unknown;
}

export function statusOf(request: Manifest | undefined): RequestStatus {
  return (request?.['status'] ?? {}) as RequestStatus;
}

import { CLIENT_NETWORK } from './client-network.js';

/**
 * InterceptRequests exactly as the Gefyra 0.13 client writes them: fields at
 * the top level, named `<container>-to-<namespace>.<kind>.<workload>[-<index>]`,
 * traffic sent to the app container in the client's Docker network.
 */
export interface ClientRequestFields {
  readonly destinationIP?: unknown;
  readonly targetPod?: unknown;
  readonly targetNamespace?: unknown;
  readonly targetContainer?: unknown;
  readonly portMappings?: unknown;
  readonly syncDownDirectories?: unknown;
  readonly handleProbes?: unknown;
}

export const CLIENT_DEFAULTS = {
  destinationIP: CLIENT_NETWORK.appAddress,
  targetPod: 'web-7d9c6b5f4-abcde',
  targetNamespace: 'shop',
  targetContainer: 'web',
  portMappings: ['8080:8000'],
  syncDownDirectories: [],
  handleProbes: true,
} as const;

let sequence = 0;

export function clientRequest(
  fields: ClientRequestFields = {},
  metadata: { name?: string; namespace?: string; uid?: string } = {},
): Record<string, unknown> {
  sequence += 1;
  const merged: Record<string, unknown> = { ...CLIENT_DEFAULTS, ...fields };
  for (const [key, value] of Object.entries(merged)) if (value === undefined) delete merged[key];
  return {
    apiVersion: 'gefyra.dev/v1',
    kind: 'InterceptRequest',
    metadata: {
      name: metadata.name ?? `web-to-shop.deploy.web-${sequence}`,
      namespace: metadata.namespace ?? 'gefyra',
      ...(metadata.uid ? { uid: metadata.uid } : {}),
    },
    established: false,
    ...merged,
  };
}

/** The only directory `gefyra bridge` (0.13.4) syncs down: its CLI has no flag to add more (api/bridge.py:125-131). */
export const CLIENT_SYNC_DOWN_DIRECTORIES = ['/var/run/secrets/kubernetes.io/serviceaccount'] as const;

/**
 * The body `gefyra bridge` (0.13.4) posts for one pod, field for field
 * (local/bridge.py, api/bridge.py): named `<container>-to-<namespace>.<workload kind>.<workload>`,
 * with the client's `metadata.namspace` typo, no `established` and the service
 * account directory to sync down.
 */
export function clientBridgeBody(
  target: { readonly namespace: string; readonly pod: string; readonly container: string },
  workload: { readonly kind: string; readonly name: string },
  fields: Pick<ClientRequestFields, 'destinationIP' | 'portMappings' | 'handleProbes'> = {},
): Record<string, unknown> {
  const name = `${target.container}-to-${target.namespace}.${workload.kind}.${workload.name}`;
  return {
    apiVersion: 'gefyra.dev/v1',
    kind: 'InterceptRequest',
    metadata: { name, namspace: 'gefyra' },
    destinationIP: fields.destinationIP ?? CLIENT_DEFAULTS.destinationIP,
    targetPod: target.pod,
    targetNamespace: target.namespace,
    targetContainer: target.container,
    portMappings: fields.portMappings ?? CLIENT_DEFAULTS.portMappings,
    syncDownDirectories: [...CLIENT_SYNC_DOWN_DIRECTORIES],
    handleProbes: fields.handleProbes ?? true,
  };
}

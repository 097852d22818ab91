import { DomainError } from '../../domain/errors.js';
import type { ClusterApi, Manifest, ObjectRef } from '../../ports/cluster-api.port.js';

/**
 * The Service elsewhere in the cluster that holds `nodePort` (node ports are
 * cluster-wide), other than `ours`; undefined when the port is free or ours.
 */
export async function nodePortHolder(
  cluster: ClusterApi,
  nodePort: number,
  ours: Pick<ObjectRef, 'namespace' | 'name'>,
  signal: AbortSignal,
): Promise<Manifest | undefined> {
  const services = await cluster.list({ apiVersion: 'v1', kind: 'Service' }, undefined, undefined, signal);
  return services.find(
    (service) =>
      nodePortsOf(service).includes(nodePort) &&
      !(service.metadata.namespace === ours.namespace && service.metadata.name === ours.name),
  );
}

/** The error that names the holder of the tunnel's node port: not retried, reported as NodePortInUse. */
export function nodePortInUse(nodePort: number, holder: Manifest): DomainError {
  return new DomainError(
    'AlreadyExists',
    `node port ${nodePort} is already used by Service ${holder.metadata.namespace}/${holder.metadata.name}; ` +
      'set GEFYRA_STOWAWAY_SERVERPORT to a free node port (or remove that Service)',
    { retryable: false, details: { reason: 'NodePortInUse', nodePort } },
  );
}

/** Whether an Invalid answer to creating a Service is the API server refusing a node port someone holds. */
export const isNodePortTaken = (message: string): boolean => /nodePort|port is already allocated/i.test(message);

export function nodePortsOf(service: Manifest): number[] {
  const spec = service['spec'] as { ports?: { nodePort?: number }[] } | undefined;
  return (spec?.ports ?? []).flatMap((port) => (port.nodePort === undefined ? [] : [port.nodePort]));
}

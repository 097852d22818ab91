import { DomainError, isDomainError } from '../../../domain/errors.js';
import type { ObjectApi, ObjectRef, Manifest } from '../../../ports/cluster-api.port.js';
import type { LeaseRecord, LeaseStore } from '../../../ports/lease-store.port.js';
import { microTime } from './cluster-event-recorder.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

/** What holds the lock: a Lease, or a ConfigMap where the credentials may not touch Leases (the Gefyra client's role). */
export type LeaseLock = 'Lease' | 'ConfigMap';

/** The annotation of the ConfigMap lock that holds the lease record (the Lease's spec, as JSON), as client-go's ConfigMap locks did. */
export const CONFIG_MAP_LEASE_ANNOTATION = 'gefyra.dev/leader';

/**
 * The leader lease, written with optimistic concurrency (resourceVersion):
 * a coordination.k8s.io/v1 Lease, or the same record in an annotation of a
 * ConfigMap of that name.
 */
export class ClusterLeaseStore implements LeaseStore {
  readonly #objects: ObjectApi;
  readonly #ref: ObjectRef;
  readonly #lock: LeaseLock;

  constructor(objects: ObjectApi, namespace: string, name: string, lock: LeaseLock = 'Lease') {
    this.#objects = objects;
    this.#lock = lock;
    this.#ref =
      lock === 'Lease'
        ? { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name }
        : { apiVersion: 'v1', kind: 'ConfigMap', namespace, name };
  }

  async find(signal: AbortSignal): Promise<LeaseRecord | undefined> {
    // Fresh: leader election must decide on what is stored, not on a cache that may lag.
    const lease = await this.#objects.find(this.#ref, signal, this.#lock === 'Lease' ? undefined : { fresh: true });
    return lease && toRecord(lease);
  }

  async write(record: LeaseRecord, signal: AbortSignal): Promise<LeaseRecord> {
    const spec: LeaseSpec = {
      holderIdentity: record.holder ?? null,
      leaseDurationSeconds: record.durationSeconds,
      acquireTime: record.acquiredAt ? microTime(record.acquiredAt) : null,
      renewTime: record.renewedAt ? microTime(record.renewedAt) : null,
      leaseTransitions: record.transitions,
    };
    const metadata = {
      name: this.#ref.name,
      namespace: this.#ref.namespace as string,
      labels: { ...MANAGED_BY_LABELS },
      ...(record.version === undefined ? {} : { resourceVersion: record.version }),
    };
    const manifest =
      this.#lock === 'Lease'
        ? { apiVersion: this.#ref.apiVersion, kind: this.#ref.kind, metadata, spec }
        : {
            apiVersion: this.#ref.apiVersion,
            kind: this.#ref.kind,
            metadata: { ...metadata, annotations: { [CONFIG_MAP_LEASE_ANNOTATION]: JSON.stringify(spec) } },
          };
    try {
      return toRecord(
        record.version === undefined
          ? await this.#objects.create(manifest, signal)
          : await this.#objects.replace(manifest, signal),
      );
    } catch (error) {
      if (isDomainError(error, 'AlreadyExists'))
        throw new DomainError('Conflict', 'the lease was created concurrently', { cause: error });
      throw error;
    }
  }
}

function toRecord(lease: Manifest): LeaseRecord {
  const spec = (
    lease.kind === 'ConfigMap'
      ? parseSpec(lease.metadata.annotations?.[CONFIG_MAP_LEASE_ANNOTATION])
      : (lease['spec'] ?? {})
  ) as LeaseSpec;
  return {
    holder: spec.holderIdentity ?? undefined,
    acquiredAt: spec.acquireTime ? new Date(spec.acquireTime) : undefined,
    renewedAt: spec.renewTime ? new Date(spec.renewTime) : undefined,
    durationSeconds: spec.leaseDurationSeconds ?? 15,
    transitions: spec.leaseTransitions ?? 0,
    version: lease.metadata.resourceVersion,
  };
}

/** A ConfigMap lock's record; an unreadable one counts as free (the next write replaces it). */
function parseSpec(raw: string | undefined): LeaseSpec {
  try {
    const parsed: unknown = raw === undefined ? {} : JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? (parsed as LeaseSpec) : {};
  } catch {
    return {};
  }
}

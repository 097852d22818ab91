import { DomainError, isDomainError } from '../../domain/errors.js';
import type { ObjectApi, ObjectRef, Manifest } from '../../ports/cluster-api.port.js';
import type { LeaseRecord, LeaseStore } from '../../ports/lease-store.port.js';
import { microTime } from './cluster-event-recorder.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';

interface LeaseSpec {
  holderIdentity?: string | null;
  leaseDurationSeconds?: number;
  acquireTime?: string | null;
  renewTime?: string | null;
  leaseTransitions?: number;
}

/** The leader lease as a coordination.k8s.io/v1 Lease, written with optimistic concurrency. */
export class ClusterLeaseStore implements LeaseStore {
  readonly #objects: ObjectApi;
  readonly #ref: ObjectRef;

  constructor(objects: ObjectApi, namespace: string, name: string) {
    this.#objects = objects;
    this.#ref = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', namespace, name };
  }

  async find(signal: AbortSignal): Promise<LeaseRecord | undefined> {
    const lease = await this.#objects.find(this.#ref, signal);
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
    const manifest = { apiVersion: this.#ref.apiVersion, kind: this.#ref.kind, metadata, spec };
    try {
      return toRecord(record.version === undefined ? await this.#objects.create(manifest, signal) : await this.#objects.replace(manifest, signal));
    } catch (error) {
      if (isDomainError(error, 'AlreadyExists')) throw new DomainError('Conflict', 'the lease was created concurrently', { cause: error });
      throw error;
    }
  }
}

function toRecord(lease: Manifest): LeaseRecord {
  const spec = (lease['spec'] ?? {}) as LeaseSpec;
  return {
    holder: spec.holderIdentity ?? undefined,
    acquiredAt: spec.acquireTime ? new Date(spec.acquireTime) : undefined,
    renewedAt: spec.renewTime ? new Date(spec.renewTime) : undefined,
    durationSeconds: spec.leaseDurationSeconds ?? 15,
    transitions: spec.leaseTransitions ?? 0,
    version: lease.metadata.resourceVersion,
  };
}

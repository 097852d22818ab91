/**
 * LeaseStore: the coordination record that makes sure only one operator acts
 * in a namespace at a time (a coordination.k8s.io/v1 Lease in production).
 */
export interface LeaseRecord {
  readonly holder: string | undefined;
  readonly acquiredAt: Date | undefined;
  readonly renewedAt: Date | undefined;
  readonly durationSeconds: number;
  readonly transitions: number;
  /** Opaque version for optimistic concurrency; undefined when no lease exists. */
  readonly version: string | undefined;
}

export interface LeaseStore {
  find(signal: AbortSignal): Promise<LeaseRecord | undefined>;
  /** Creates or replaces the lease if it is still at `record.version`; Conflict otherwise. */
  write(record: LeaseRecord, signal: AbortSignal): Promise<LeaseRecord>;
}

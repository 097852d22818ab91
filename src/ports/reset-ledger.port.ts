/**
 * ResetLedger: the durable note that a reset of the cluster was decided, so a
 * reset interrupted by a crash is finished on restart instead of the operator
 * booting everything up again.
 */
export interface ResetRecord {
  readonly reason: string;
  readonly requestedAt: Date;
}

export interface ResetLedger {
  find(signal: AbortSignal): Promise<ResetRecord | undefined>;
  record(reset: ResetRecord, signal: AbortSignal): Promise<void>;
}

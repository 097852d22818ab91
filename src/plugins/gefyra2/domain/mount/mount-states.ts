/**
 * The GefyraBridgeMount lifecycle of Gefyra 2 (contract §2). The operator
 * writes every state:
 *
 *   REQUESTED → PREPARING (the shadow) → INSTALLING (carrier2 in the originals) → ACTIVE
 *   any → MISSING (namespace or workload gone: uninstalled, bridges kept) → PREPARING (back)
 *   MISSING → TERMINATED (grace period over) · any → TERMINATED (sunset) → deleted
 *   any → ERROR → RESTORING → PREPARING
 */
export const MOUNT_STATES = [
  'REQUESTED',
  'PREPARING',
  'INSTALLING',
  'ACTIVE',
  'MISSING',
  'RESTORING',
  'TERMINATED',
  'ERROR',
] as const;
export type MountState = (typeof MOUNT_STATES)[number];

export const isMountState = (value: string): value is MountState => (MOUNT_STATES as readonly string[]).includes(value);

/**
 * The GefyraBridge lifecycle of Gefyra 2 (contract §2). The operator writes
 * every state:
 *
 *   REQUESTED → INSTALLING (until the mount is ACTIVE) → INSTALLED → CREATING (route, carrier2) → ACTIVE
 *   ACTIVE | CREATING → INSTALLING (the mount stopped being ACTIVE)
 *   any → ERROR → RESTORING (60 s later, once the cause is gone) → INSTALLED
 */
export const BRIDGE_STATES = [
  'REQUESTED',
  'INSTALLING',
  'INSTALLED',
  'CREATING',
  'ACTIVE',
  'RESTORING',
  'ERROR',
] as const;
export type BridgeState = (typeof BRIDGE_STATES)[number];

export const isBridgeState = (value: string): value is BridgeState =>
  (BRIDGE_STATES as readonly string[]).includes(value);

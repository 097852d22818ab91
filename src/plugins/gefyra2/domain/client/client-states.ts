/**
 * The GefyraClient lifecycle of Gefyra 2 (contract §2). The operator writes
 * every state; TERMINATING is never written.
 *
 *   REQUESTED → CREATING → WAITING ⇄ ENABLING → ACTIVE → DISABLING → WAITING
 *   ACTIVE → WAITING (maximum connection age), any → ERROR,
 *   ERROR → WAITING | ENABLING (the client withdrew or changed the subnet),
 *   ERROR → CREATING (the client that had its peer id is gone)
 */
export const CLIENT_STATES = ['REQUESTED', 'CREATING', 'WAITING', 'ENABLING', 'ACTIVE', 'DISABLING', 'ERROR'] as const;
export type ClientState = (typeof CLIENT_STATES)[number];

const ALLOWED: Readonly<Record<ClientState, readonly ClientState[]>> = {
  REQUESTED: ['CREATING'],
  CREATING: ['WAITING'],
  WAITING: ['ENABLING'],
  ENABLING: ['ACTIVE', 'DISABLING'],
  ACTIVE: ['DISABLING', 'WAITING'],
  DISABLING: ['WAITING'],
  ERROR: ['WAITING', 'ENABLING', 'CREATING'],
};

export const isClientState = (value: string): value is ClientState =>
  (CLIENT_STATES as readonly string[]).includes(value);

/** Whether `to` may follow `from`; ERROR may follow anything. */
export const transitionAllowed = (from: ClientState, to: ClientState): boolean =>
  to === 'ERROR' || ALLOWED[from].includes(to);

/** `stateTransitions` timestamps: UTC with microseconds and `Z`, as the 2.5 client parses them. */
export const microsecondTimestamp = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

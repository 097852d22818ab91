import type { OperatorEvent } from '../../../../ports/event-recorder.port.js';
import { clientObjectRef, type GefyraClientRef } from './gefyra-client.js';

/**
 * Event reasons of Gefyra 2's operator for clients (contract §2), kept
 * verbatim: the 2.5 client and people's scripts look for them.
 */
export const CLIENT_REASONS = {
  stateChange: 'GefyraClient state change',
  serviceAccount: 'ServiceAccount',
  connection: 'connection',
  ready: 'Ready',
  sunset: 'Sunset reached',
} as const;

export const clientEvent = (
  client: GefyraClientRef,
  type: OperatorEvent['type'],
  reason: string,
  note: string,
): OperatorEvent => ({
  regarding: clientObjectRef(client),
  type,
  reason,
  action: 'GefyraClient-State',
  note,
});

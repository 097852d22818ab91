import type { OperatorEvent } from '../../../../ports/event-recorder.port.js';
import type { Gefyra2ObjectRef } from '../gefyra2-object.js';
import { bridgeObjectRef } from './gefyra-bridge.js';

/**
 * Event reasons of Gefyra 2's operator for bridges (contract §2), kept
 * verbatim: `gefyra bridge create` waits for `Ready`.
 */
export const BRIDGE_REASONS = {
  waiting: 'GefyraBridge waiting',
  stateChanged: 'GefyraBridge state changed',
  connection: 'GefyraBridge connection',
  ready: 'Ready',
  failedIn: (state: string) => `Failed in state ${state}`,
  /** Ours: two bridges of one mount whose rules share requests (the older one gets them). */
  overlap: 'Rules overlap',
} as const;

export const bridgeEvent = (
  bridge: Gefyra2ObjectRef,
  type: OperatorEvent['type'],
  reason: string,
  note: string,
): OperatorEvent => ({ regarding: bridgeObjectRef(bridge), type, reason, action: 'GefyraBridge-State', note });

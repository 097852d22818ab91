import type { OperatorEvent } from '../../../../ports/event-recorder.port.js';
import type { Gefyra2ObjectRef } from '../gefyra2-object.js';
import { mountObjectRef } from './bridge-mount.js';

/**
 * Event reasons of Gefyra 2's operator for mounts (contract §2), kept
 * verbatim: `gefyra mount create` waits for `Ready`, people's scripts for the rest.
 */
export const MOUNT_REASONS = {
  stateChange: 'GefyraBridgeMount state change',
  clusterUpstream: 'Cluster upstream (service)',
  patchingPod: 'Patching target pod',
  updateCarrier2: 'Update Carrier2',
  ready: 'Ready',
  targetRecovered: 'Target recovered',
  targetMissing: 'Target missing',
  failed: 'Failed to install GefyraBridgeMount',
  changeDetected: 'Change detected',
  notIntact: 'Not intact',
} as const;

export const mountEvent = (
  mount: Gefyra2ObjectRef,
  type: OperatorEvent['type'],
  reason: string,
  note: string,
): OperatorEvent => ({ regarding: mountObjectRef(mount), type, reason, action: 'GefyraBridgeMount-State', note });

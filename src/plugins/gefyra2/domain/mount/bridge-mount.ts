import type { Manifest } from '../../../../ports/cluster-api.port.js';
import {
  GEFYRA2_OBJECT_API_VERSION,
  gefyra2ObjectFrom,
  type Gefyra2Object,
  type Gefyra2ObjectRef,
} from '../gefyra2-object.js';
import type { GefyraBridgeMount } from './mount-decision.js';

export const GEFYRA_BRIDGE_MOUNT_KIND = 'gefyrabridgemount';

/** A GefyraBridgeMount as stored: what the decision reads, and what the service writes it back with. */
export interface StoredMount extends Gefyra2Object, Omit<GefyraBridgeMount, 'failure'> {
  readonly providerParameter: unknown;
}

export const mountObjectRef = (mount: Gefyra2ObjectRef) => ({
  apiVersion: GEFYRA2_OBJECT_API_VERSION,
  kind: GEFYRA_BRIDGE_MOUNT_KIND,
  namespace: mount.namespace,
  name: mount.name,
});

/**
 * Reads a stored mount leniently. `missingGracePeriod` is seconds (a number
 * or a numeric text, as the CRD's int-or-string allows); anything else takes
 * the operator's GEFYRA_BRIDGE_MOUNT_MISSING_GRACE_PERIOD.
 */
export function bridgeMountFrom(object: Manifest, defaultMissingGracePeriodMs: number): StoredMount {
  const grace = object['missingGracePeriod'];
  const seconds =
    typeof grace === 'number' ? grace : typeof grace === 'string' && /^\d+$/.test(grace) ? Number(grace) : NaN;
  return {
    ...gefyra2ObjectFrom(object),
    provider: object['provider'],
    target: object['target'],
    targetNamespace: object['targetNamespace'],
    targetContainer: object['targetContainer'],
    providerParameter: object['providerParameter'],
    missingGracePeriodMs: Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : defaultMissingGracePeriodMs,
  };
}

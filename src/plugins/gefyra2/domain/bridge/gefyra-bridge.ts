import type { Manifest } from '../../../../ports/cluster-api.port.js';
import { stringMapAt } from '../../../../domain/json-reading.js';
import {
  GEFYRA2_OBJECT_API_VERSION,
  gefyra2ObjectFrom,
  type Gefyra2Object,
  type Gefyra2ObjectRef,
} from '../gefyra2-object.js';
import { BRIDGE_CLIENT_LABEL, BRIDGE_MOUNT_LABEL } from '../admission/bridge-parameters.js';
import type { GefyraBridge } from './bridge-decision.js';
import type { BridgeDestination } from './bridge-destination.js';

export const GEFYRA_BRIDGE_KIND = 'gefyrabridge';

/** A GefyraBridge as stored: what the decision reads, and what the service needs besides. */
export interface StoredBridge extends Gefyra2Object, Omit<GefyraBridge, 'failure'>, BridgeDestination {
  /** The mount it bridges: its `gefyra.dev/bridge-mount` label (the client writes `target` the same). */
  readonly mount: string | undefined;
}

export const bridgeObjectRef = (bridge: Gefyra2ObjectRef) => ({
  apiVersion: GEFYRA2_OBJECT_API_VERSION,
  kind: GEFYRA_BRIDGE_KIND,
  namespace: bridge.namespace,
  name: bridge.name,
});

export function gefyraBridgeFrom(object: Manifest): StoredBridge {
  const stored = gefyra2ObjectFrom(object);
  const mountLabel = stored.labels[BRIDGE_MOUNT_LABEL];
  const target = object['target'];
  const endpoints = stringMapAt(object, 'clusterEndpoint');
  return {
    ...stored,
    mount: mountLabel ?? (typeof target === 'string' && target !== '' ? target : undefined),
    client: object['client'],
    clientLabel: stored.labels[BRIDGE_CLIENT_LABEL],
    destinationIP: object['destinationIP'],
    portMappings: object['portMappings'],
    providerParameter: object['providerParameter'],
    clusterEndpoint: Object.keys(endpoints).length > 0 ? endpoints : undefined,
  };
}

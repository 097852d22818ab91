import { isRecord, stringMapAt, type JsonRecord } from '../../../../domain/json-reading.js';
import { PROVIDER_CONFIG_KEYS, type PeerConnection, type PeerWireGuardStatus } from '../../ports/tunnel-peers.port.js';

/** Gefyra 2's per-developer resource (contract §2): lowercase kind, fields at the top level, no status subresource. */
export const GEFYRA_CLIENT_API_VERSION = 'gefyra.dev/v1';
export const GEFYRA_CLIENT_KIND = 'gefyraclient';
export const GEFYRA_CLIENT_PLURAL = 'gefyraclients';

export interface GefyraClientRef {
  readonly namespace: string;
  readonly name: string;
}

/** Why the client is in ERROR, kept in `status` so that the way out can be recognised. */
export interface ClientFailure {
  readonly reason: string;
  readonly message: string;
  /** The subnet that was refused: a different one (or none) is the client's way out. */
  readonly subnet?: string;
}

export interface GefyraClient extends GefyraClientRef {
  readonly uid: string;
  readonly resourceVersion: string;
  readonly createdAt: Date;
  readonly deleting: boolean;
  readonly finalizers: readonly string[];
  /** As stored: a value outside the known states is itself a failure to explain. */
  readonly state: string;
  readonly stateTransitions: Readonly<Record<string, string>>;
  /** `providerParameter.subnet`: set by the client to connect, null to disconnect. */
  readonly subnet: string | undefined;
  readonly providerConfig: PeerConnection | undefined;
  readonly serviceAccountName: string | undefined;
  readonly hasServiceAccountData: boolean;
  /** `sunset`: when the client is removed; `invalid` when it does not parse. */
  readonly sunset: Date | 'invalid' | undefined;
  readonly wireguard: PeerWireGuardStatus | undefined;
  readonly failure: ClientFailure | undefined;
  /**
   * `status.writtenState`: the state this operator wrote last. A stored
   * `state` that differs was written by someone else and must be a transition
   * the lifecycle allows. Undefined on objects no transition was written to.
   */
  readonly writtenState: string | undefined;
}

export const clientObjectRef = (client: GefyraClientRef) => ({
  apiVersion: GEFYRA_CLIENT_API_VERSION,
  kind: GEFYRA_CLIENT_KIND,
  namespace: client.namespace,
  name: client.name,
});

/** Reads a stored object leniently: the client writes only some fields and the CRD defaults `state`. */
export function gefyraClientFrom(object: {
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly resourceVersion?: string;
    readonly creationTimestamp?: string;
    readonly deletionTimestamp?: string;
    readonly finalizers?: readonly string[];
  };
  readonly [field: string]: unknown;
}): GefyraClient {
  const parameter = record(object['providerParameter']);
  const status = record(object['status']);
  const failure = record(status['failure']);
  const subnet = parameter['subnet'];
  const sunset = object['sunset'];
  const parsedSunset = typeof sunset === 'string' && sunset !== '' ? new Date(sunset) : undefined;
  const providerConfig = record(object['providerConfig']);
  const serviceAccountData = record(object['serviceAccountData']);
  return {
    namespace: object.metadata.namespace ?? '',
    name: object.metadata.name,
    uid: object.metadata.uid ?? '',
    resourceVersion: object.metadata.resourceVersion ?? '',
    createdAt: new Date(object.metadata.creationTimestamp ?? 0),
    deleting: object.metadata.deletionTimestamp !== undefined,
    finalizers: object.metadata.finalizers ?? [],
    state: typeof object['state'] === 'string' && object['state'] !== '' ? object['state'] : 'REQUESTED',
    stateTransitions: stringMapAt(object, 'stateTransitions'),
    subnet: typeof subnet === 'string' && subnet !== '' ? subnet : undefined,
    providerConfig: connectionFrom(providerConfig),
    serviceAccountName: typeof object['serviceAccountName'] === 'string' ? object['serviceAccountName'] : undefined,
    hasServiceAccountData: typeof serviceAccountData['token'] === 'string',
    sunset: parsedSunset === undefined ? undefined : Number.isNaN(parsedSunset.getTime()) ? 'invalid' : parsedSunset,
    wireguard: isWireGuard(status['wireguard']) ? status['wireguard'] : undefined,
    writtenState: typeof status['writtenState'] === 'string' ? status['writtenState'] : undefined,
    failure:
      typeof failure['reason'] === 'string' && typeof failure['message'] === 'string'
        ? {
            reason: failure['reason'],
            message: failure['message'],
            ...(typeof failure['subnet'] === 'string' ? { subnet: failure['subnet'] } : {}),
          }
        : undefined,
  };
}

const record = (value: unknown): JsonRecord => (isRecord(value) ? value : {});

/**
 * `providerConfig` as the 2.5 client reads it: every key of contract §3,
 * flat, set. Anything less (a key missing, the nested sections earlier
 * versions wrote) is no connection, and the lifecycle writes it again.
 */
function connectionFrom(value: Record<string, unknown>): PeerConnection | undefined {
  const entries = PROVIDER_CONFIG_KEYS.map((key) => [key, value[key]] as const);
  return entries.every(([, field]) => typeof field === 'string' && field !== '')
    ? (Object.fromEntries(entries) as PeerConnection)
    : undefined;
}

/**
 * The fields that store a connection: `providerConfig` with its flat keys,
 * and the nested sections an earlier version of this operator wrote set to
 * null (a merge patch keeps every key it does not name).
 */
export const providerConfigFields = (connection: PeerConnection): Readonly<Record<string, unknown>> => ({
  providerConfig: { ...connection, Interface: null, Peer: null },
});

const isWireGuard = (value: unknown): value is PeerWireGuardStatus => typeof record(value)['public_key'] === 'string';

import { describe, expect, it } from 'vitest';
import {
  activeRecheckAt,
  decideClient,
  type ClientLifecycleSettings,
} from '../../../../../../src/plugins/gefyra2/domain/client/client-decision.js';
import { transitionAllowed } from '../../../../../../src/plugins/gefyra2/domain/client/client-states.js';
import type { GefyraClient } from '../../../../../../src/plugins/gefyra2/domain/client/gefyra-client.js';

const now = new Date('2026-11-30T12:00:00Z');
const settings: ClientLifecycleSettings = {
  manageServiceAccounts: true,
  maxConnectionAgeMs: 3_600_000,
  observeIntervalMs: 60_000,
};
const connection = {
  'Interface.Address': '192.168.99.2',
  'Interface.PrivateKey': 'p',
  'Interface.ListenPort': '51820',
  'Interface.DNS': '192.168.99.1',
  'Interface.PublicKey': 'k',
  'Peer.PublicKey': 's',
  'Peer.PresharedKey': 'x',
  'Peer.Endpoint': ':31820',
  'Peer.AllowedIPs': '0.0.0.0/0',
};

function client(fields: Partial<GefyraClient>): GefyraClient {
  return {
    namespace: 'gefyra',
    name: 'dev',
    uid: 'u',
    resourceVersion: '1',
    createdAt: now,
    deleting: false,
    finalizers: ['operator.gefyra.dev/kopf-finalizer'],
    state: 'WAITING',
    stateTransitions: {},
    subnet: undefined,
    providerConfig: undefined,
    serviceAccountName: undefined,
    hasServiceAccountData: false,
    sunset: undefined,
    wireguard: undefined,
    failure: undefined,
    writtenState: undefined,
    ...fields,
  };
}

const decide = (fields: Partial<GefyraClient>, peer?: { subnet: string }) =>
  decideClient({ client: client(fields), peer, now }, settings);

describe('decideClient', () => {
  it('walks every state of the lifecycle', () => {
    expect(decide({ finalizers: [] })).toEqual({ kind: 'addFinalizer' });
    expect(decide({ deleting: true })).toEqual({ kind: 'finalize', removePeer: false });
    expect(decide({ deleting: true, state: 'ACTIVE' })).toEqual({ kind: 'finalize', removePeer: true });
    expect(decide({ state: 'REQUESTED' })).toMatchObject({ kind: 'transition', to: 'CREATING' });
    expect(decide({ state: 'CREATING' })).toEqual({ kind: 'createAccount' });
    expect(
      decideClient(
        { client: client({ state: 'CREATING' }), peer: undefined, now },
        { ...settings, manageServiceAccounts: false },
      ),
    ).toMatchObject({ kind: 'transition', to: 'WAITING' });
    expect(decide({ state: 'WAITING' })).toEqual({ kind: 'wait' });
    expect(decide({ state: 'WAITING', subnet: '172.18.0.0/16' })).toMatchObject({ kind: 'transition', to: 'ENABLING' });
    expect(decide({ state: 'WAITING' }, { subnet: '172.18.0.0/16' })).toMatchObject({
      kind: 'removePeer',
      then: 'stay',
    });
    expect(decide({ state: 'WAITING', providerConfig: connection })).toMatchObject({
      kind: 'transition',
      to: 'WAITING',
      fields: { providerConfig: null },
    });
    expect(decide({ state: 'ENABLING', subnet: '172.18.0.0/16' })).toEqual({
      kind: 'addPeer',
      subnet: '172.18.0.0/16',
      restore: false,
    });
    expect(decide({ state: 'ENABLING' })).toMatchObject({ kind: 'transition', to: 'DISABLING' });
    expect(
      decide({ state: 'ACTIVE', subnet: '172.18.0.0/16', providerConfig: connection }, { subnet: '172.18.0.0/16' }),
    ).toEqual({ kind: 'observe' });
    expect(decide({ state: 'ACTIVE', subnet: '172.18.0.0/16', providerConfig: connection })).toEqual({
      kind: 'addPeer',
      subnet: '172.18.0.0/16',
      restore: true,
    });
    expect(
      decide({ state: 'ACTIVE', subnet: '172.18.0.0/16', providerConfig: connection }, { subnet: '10.0.0.0/8' }),
    ).toMatchObject({ kind: 'addPeer', restore: true });
    expect(decide({ state: 'ACTIVE' })).toMatchObject({ kind: 'transition', to: 'DISABLING' });
    expect(decide({ state: 'DISABLING' })).toMatchObject({ kind: 'removePeer', then: 'WAITING' });
  });

  it('ends an ACTIVE connection at its maximum age and removes a client at its sunset', () => {
    const old = { ACTIVE: '2026-11-30T11:00:00.000000Z' };
    expect(
      decide(
        { state: 'ACTIVE', subnet: '172.18.0.0/16', providerConfig: connection, stateTransitions: old },
        { subnet: '172.18.0.0/16' },
      ),
    ).toEqual({ kind: 'expire' });
    expect(decide({ state: 'ACTIVE', sunset: new Date('2026-11-30T11:59:59Z') })).toEqual({ kind: 'sunset' });
    expect(decide({ state: 'WAITING', sunset: new Date('2026-11-30T13:00:00Z') })).toEqual({
      kind: 'wait',
      recheckAt: new Date('2026-11-30T13:00:00Z'),
    });
    const recent = client({
      state: 'ACTIVE',
      stateTransitions: { ACTIVE: '2026-11-30T11:59:30.000000Z' },
      sunset: new Date('2026-11-30T12:00:45Z'),
    });
    expect(activeRecheckAt(recent, now, settings)).toEqual(new Date('2026-11-30T12:00:45Z'));
    expect(
      activeRecheckAt(
        client({ state: 'ACTIVE', stateTransitions: { ACTIVE: '2026-11-30T11:00:30.000000Z' } }),
        now,
        settings,
      ),
    ).toEqual(new Date('2026-11-30T12:00:30Z'));
  });

  it('fails on unknown states, transitions the lifecycle forbids and invalid subnets; leaves ERROR when the client changes its subnet', () => {
    expect(decide({ state: 'TERMINATING' })).toMatchObject({ kind: 'fail', reason: 'UnknownState' });
    expect(decide({ state: 'ACTIVE', writtenState: 'WAITING' })).toMatchObject({
      kind: 'fail',
      reason: 'BadTransition',
    });
    expect(decide({ state: 'ENABLING', writtenState: 'WAITING', subnet: '172.18.0.0/16' })).toMatchObject({
      kind: 'addPeer',
    });
    expect(decide({ state: 'WAITING', subnet: '172.18.0.0' })).toMatchObject({
      kind: 'fail',
      reason: 'InvalidSubnet',
      subnet: '172.18.0.0',
    });
    const failure = { reason: 'PeerRefused', message: 'taken', subnet: '172.18.0.0/16' };
    expect(decide({ state: 'ERROR', subnet: '172.18.0.0/16', failure })).toEqual({ kind: 'wait' });
    expect(decide({ state: 'ERROR', subnet: '172.19.0.0/16', failure })).toMatchObject({
      kind: 'transition',
      to: 'ENABLING',
    });
    expect(decide({ state: 'ERROR', failure })).toMatchObject({ kind: 'transition', to: 'WAITING' });
    expect(decide({ state: 'ERROR', subnet: '172.18.0.0/16', failure }, { subnet: '172.18.0.0/16' })).toMatchObject({
      kind: 'removePeer',
      then: 'stay',
    });
  });

  it("refuses a client whose peer id another has in every state, keeps the holder's peer when it is deleted, and goes on once the id is free", () => {
    const withHolder = (fields: Partial<GefyraClient>, peer?: { subnet: string }) =>
      decideClient({ client: client(fields), peer, peerHolder: { client: 'dev-a', peerId: 'dev000a' }, now }, settings);
    for (const state of ['REQUESTED', 'CREATING', 'WAITING', 'ENABLING', 'ACTIVE', 'DISABLING']) {
      expect(withHolder({ state, subnet: '172.19.0.0/16' }, { subnet: '172.18.0.0/16' }), state).toMatchObject({
        kind: 'fail',
        reason: 'PeerIdTaken',
        message: expect.stringContaining('GefyraClient dev-a'),
      });
    }
    const refused = { state: 'ERROR', failure: { reason: 'PeerIdTaken', message: 'taken' } };
    expect(withHolder(refused, { subnet: '172.18.0.0/16' })).toEqual({ kind: 'wait' });
    expect(withHolder({ ...refused, deleting: true }, { subnet: '172.18.0.0/16' })).toEqual({
      kind: 'finalize',
      removePeer: false,
    });
    expect(decide(refused)).toMatchObject({
      kind: 'transition',
      to: 'CREATING',
      fields: { status: { failure: null } },
    });
    expect(decide(refused, { subnet: '172.18.0.0/16' })).toMatchObject({ kind: 'removePeer', then: 'stay' });
  });

  it("allows only the lifecycle's transitions", () => {
    expect(transitionAllowed('WAITING', 'ENABLING')).toBe(true);
    expect(transitionAllowed('WAITING', 'ACTIVE')).toBe(false);
    expect(transitionAllowed('ACTIVE', 'WAITING')).toBe(true);
    expect(transitionAllowed('DISABLING', 'ERROR')).toBe(true);
    expect(transitionAllowed('REQUESTED', 'WAITING')).toBe(false);
  });
});

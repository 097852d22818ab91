import { GEFYRA_FINALIZER } from '../../../../../../src/plugins/gefyra2/domain/lifecycle.js';
import { describe, expect, it } from 'vitest';
import {
  decideBridge,
  type BridgeObservation,
  type GefyraBridge,
  type RecordedRoute,
} from '../../../../../../src/plugins/gefyra2/domain/bridge/bridge-decision.js';
import { parsePortMappings } from '../../../../../../src/plugins/gefyra2/domain/bridge/port-mappings.js';

const now = new Date('2026-12-07T12:00:00Z');
const settings = { proxyHost: (port: number) => `gefyra-stowaway-proxy-${port}.gefyra.svc.cluster.local` };

// As `gefyra bridge create -p 8080:8000 --match-header x-user:alice` writes it (client-reads.md).
const bridge = (fields: Partial<GefyraBridge> = {}): GefyraBridge => ({
  name: 'alice-web',
  deleting: false,
  finalizers: [GEFYRA_FINALIZER],
  state: 'REQUESTED',
  stateTransitions: {},
  destinationIP: '172.18.0.3',
  portMappings: ['8000:8080'],
  providerParameter: { rules: [{ match: [{ matchHeader: { name: 'x-user', value: 'alice', type: 'exact' } }] }] },
  clusterEndpoint: undefined,
  failure: undefined,
  ...fields,
});
const routed: RecordedRoute = {
  containerPort: 8080,
  destination: '172.18.0.3:8000',
  proxyPort: 10000,
  serviceReady: true,
};
const observe = (fields: Partial<GefyraBridge>, more: Partial<BridgeObservation> = {}): BridgeObservation => ({
  bridge: bridge(fields),
  mountState: 'ACTIVE',
  destinationDenial: undefined,
  routes: [],
  configCurrent: false,
  now,
  ...more,
});
const decide = (fields: Partial<GefyraBridge>, more: Partial<BridgeObservation> = {}) =>
  decideBridge(observe(fields, more), settings);

describe('decideBridge: the way to ACTIVE', () => {
  it('holds the bridge with the finalizer the client strips, before anything else', () => {
    expect(decide({ finalizers: [] })).toEqual({ kind: 'addFinalizer' });
  });

  it('REQUESTED → INSTALLING → (mount ACTIVE) INSTALLED → CREATING', () => {
    expect(decide({ state: 'REQUESTED' })).toMatchObject({ kind: 'transition', to: 'INSTALLING' });
    expect(decide({ state: 'INSTALLING' }, { mountState: 'PREPARING' })).toEqual({ kind: 'wait' });
    expect(decide({ state: 'INSTALLING' })).toMatchObject({ kind: 'transition', to: 'INSTALLED' });
    expect(decide({ state: 'INSTALLED' })).toMatchObject({ kind: 'transition', to: 'CREATING' });
  });

  it('CREATING: routes each mapping to destinationIP:localPort, then pushes carrier2, then ACTIVE with clusterEndpoint', () => {
    expect(decide({ state: 'CREATING' })).toEqual({
      kind: 'route',
      routes: [{ containerPort: 8080, destination: '172.18.0.3:8000' }],
    });
    expect(decide({ state: 'CREATING' }, { routes: [{ ...routed, serviceReady: false }] })).toMatchObject({
      kind: 'route',
    });
    expect(decide({ state: 'CREATING' }, { routes: [routed] })).toEqual({ kind: 'pushConfig' });
    expect(decide({ state: 'CREATING' }, { routes: [routed], configCurrent: true })).toEqual({
      kind: 'transition',
      to: 'ACTIVE',
      note: 'requests matching the rules reach the developer',
      fields: { clusterEndpoint: { '8080': 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' } },
    });
  });

  it('ACTIVE and as observed: nothing to do', () => {
    const clusterEndpoint = { '8080': 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' };
    expect(decide({ state: 'ACTIVE', clusterEndpoint }, { routes: [routed], configCurrent: true })).toEqual({
      kind: 'wait',
    });
  });

  it('a destinationIP patched by `gefyra run` re-routes an ACTIVE bridge', () => {
    const clusterEndpoint = { '8080': 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' };
    expect(
      decide(
        { state: 'ACTIVE', clusterEndpoint, destinationIP: '172.18.0.7' },
        { routes: [routed], configCurrent: true },
      ),
    ).toEqual({ kind: 'route', routes: [{ containerPort: 8080, destination: '172.18.0.7:8000' }] });
  });

  it('a route or a carrier2 configuration lost while ACTIVE is put back', () => {
    const clusterEndpoint = { '8080': 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' };
    expect(decide({ state: 'ACTIVE', clusterEndpoint }, { routes: [], configCurrent: true })).toMatchObject({
      kind: 'route',
    });
    expect(decide({ state: 'ACTIVE', clusterEndpoint }, { routes: [routed], configCurrent: false })).toEqual({
      kind: 'pushConfig',
    });
  });

  it('a mount that stops being ACTIVE sends the bridge back to INSTALLING until it is', () => {
    expect(decide({ state: 'ACTIVE' }, { mountState: 'MISSING', routes: [routed] })).toMatchObject({
      kind: 'transition',
      to: 'INSTALLING',
      note: 'the mount is MISSING: waiting for it to be ACTIVE again',
    });
  });

  it('being deleted: finalize (configuration, route and Service go) whatever the state', () => {
    expect(decide({ deleting: true, state: 'nonsense' })).toEqual({ kind: 'finalize' });
  });
});

describe('decideBridge: failures name what to change', () => {
  it.each<[string, Partial<GefyraBridge>, Partial<BridgeObservation>, string, string]>([
    ['an unknown state', { state: 'PAUSED' }, {}, 'UnknownState', 'is not a GefyraBridge state'],
    [
      'bad port mappings',
      { portMappings: ['8000'] },
      {},
      'InvalidPortMappings',
      '"8000" is not "<localPort>:<containerPort>"',
    ],
    ['no port mappings', { portMappings: [] }, {}, 'InvalidPortMappings', 'at least one'],
    [
      'rules carrier2 would panic on',
      { providerParameter: { rules: [{ match: [{ matchPath: { path: '/' } }] }] } },
      {},
      'InvalidRules',
      'matchPath.type',
    ],
    ['no mount', {}, { mountState: undefined }, 'MountNotFound', 'does not exist'],
    [
      'a destination outside its client’s subnet',
      {},
      { destinationDenial: { reason: 'DestinationNotAllowed', message: '10.0.0.9 is not in 172.18.0.0/16' } },
      'DestinationNotAllowed',
      'not in 172.18.0.0/16',
    ],
  ])('%s → ERROR', (_, fields, more, reason, message) => {
    const step = decide({ state: 'ACTIVE', ...fields }, more);
    expect(step).toMatchObject({ kind: 'fail', reason });
    expect(step.kind === 'fail' ? step.message : '').toContain(message);
  });

  it('does not fail again for the reason it is in ERROR for', () => {
    expect(decide({ state: 'ERROR', portMappings: ['x'], failure: { reason: 'InvalidPortMappings' } })).toEqual({
      kind: 'wait',
    });
  });

  it('restores at once when what was written wrong is corrected', () => {
    expect(decide({ state: 'ERROR', failure: { reason: 'DestinationNotAllowed' } })).toMatchObject({
      kind: 'transition',
      to: 'RESTORING',
      fields: { status: { failure: null } },
    });
  });

  it('restores a failure of the cluster 60 s after it, as the contract’s timer does', () => {
    const failed = { state: 'ERROR', failure: { reason: 'ConfigPushFailed' } };
    expect(decide({ ...failed, stateTransitions: { ERROR: '2026-12-07T11:59:30.000000Z' } })).toEqual({
      kind: 'wait',
      recheckAt: new Date('2026-12-07T12:00:30Z'),
    });
    expect(decide({ ...failed, stateTransitions: { ERROR: '2026-12-07T11:59:00.000000Z' } })).toMatchObject({
      kind: 'transition',
      to: 'RESTORING',
    });
    expect(decide({ state: 'RESTORING' })).toMatchObject({ kind: 'transition', to: 'INSTALLED' });
  });
});

describe('parsePortMappings', () => {
  it('reads "<localPort>:<containerPort>", the 2.5 client’s order', () => {
    expect(parsePortMappings(['8000:8080', '9000:9090'])).toEqual({
      ok: true,
      mappings: [
        { localPort: 8000, containerPort: 8080 },
        { localPort: 9000, containerPort: 9090 },
      ],
    });
  });

  it.each([[undefined], ['8000:8080'], [['8000:80800']], [['0:80']], [['a:b']], [['8000:8080', '8001:8080']]])(
    'refuses %j',
    (value) => {
      expect(parsePortMappings(value).ok).toBe(false);
    },
  );
});

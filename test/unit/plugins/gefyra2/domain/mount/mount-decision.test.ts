import { GEFYRA_FINALIZER } from '../../../../../../src/plugins/gefyra2/domain/lifecycle.js';
import { describe, expect, it } from 'vitest';
import {
  decideMount,
  type GefyraBridgeMount,
  type MountObservation,
  type ObservedOriginal,
} from '../../../../../../src/plugins/gefyra2/domain/mount/mount-decision.js';

const now = new Date('2026-12-07T12:00:00Z');

// As `gefyra mount create --target deploy/web-app/web -n shop` writes it (client-reads.md: the raw kind token).
const mount = (fields: Partial<GefyraBridgeMount> = {}): GefyraBridgeMount => ({
  name: 'web-app-mount',
  deleting: false,
  finalizers: [GEFYRA_FINALIZER],
  state: 'REQUESTED',
  stateTransitions: {},
  provider: 'carrier2mount',
  target: 'deploy/web-app',
  targetNamespace: 'shop',
  targetContainer: 'web',
  providerParameter: {},
  missingGracePeriodMs: 300_000,
  sunset: undefined,
  failure: undefined,
  ...fields,
});
const original = (name: string, fields: Partial<ObservedOriginal> = {}): ObservedOriginal => ({
  name,
  onCarrier2: true,
  configCurrent: true,
  ready: true,
  installRefusal: undefined,
  ...fields,
});
const intact: Omit<MountObservation, 'mount'> = {
  workloadPresent: true,
  shadow: { current: true, ready: true },
  originals: [original('web-app-1'), original('web-app-2')],
  uninstalled: false,
  now,
};
const decide = (fields: Partial<GefyraBridgeMount>, more: Partial<MountObservation> = {}) =>
  decideMount({ ...intact, mount: mount(fields), ...more });

describe('decideMount: the way to ACTIVE', () => {
  it('holds the mount with the finalizer the client strips, before anything else', () => {
    expect(decide({ finalizers: [] })).toEqual({ kind: 'addFinalizer' });
  });

  it('REQUESTED → PREPARING, which makes the shadow, then → INSTALLING', () => {
    expect(decide({ state: 'REQUESTED' })).toMatchObject({ kind: 'transition', to: 'PREPARING' });
    expect(decide({ state: 'PREPARING' }, { shadow: undefined })).toEqual({
      kind: 'prepareShadow',
      target: { kind: 'Deployment', name: 'web-app' },
    });
    expect(decide({ state: 'PREPARING' }, { shadow: { current: false, ready: true } })).toMatchObject({
      kind: 'prepareShadow',
    });
    expect(decide({ state: 'PREPARING' })).toMatchObject({ kind: 'transition', to: 'INSTALLING' });
  });

  it('INSTALLING switches no original before the shadow serves, then every original, then configures them', () => {
    const fresh = [original('web-app-1', { onCarrier2: false }), original('web-app-2', { onCarrier2: false })];
    expect(decide({ state: 'INSTALLING' }, { shadow: { current: true, ready: false }, originals: fresh })).toEqual({
      kind: 'wait',
    });
    expect(decide({ state: 'INSTALLING' }, { originals: fresh })).toEqual({
      kind: 'installCarrier',
      pods: ['web-app-1', 'web-app-2'],
    });
    expect(
      decide(
        { state: 'INSTALLING' },
        { originals: [original('web-app-1', { configCurrent: false }), original('web-app-2')] },
      ),
    ).toEqual({ kind: 'pushConfig', pods: ['web-app-1'] });
    expect(decide({ state: 'INSTALLING' }, { originals: [original('web-app-1', { ready: false })] })).toEqual({
      kind: 'wait',
    });
    expect(decide({ state: 'INSTALLING' })).toMatchObject({ kind: 'transition', to: 'ACTIVE' });
  });

  it('ACTIVE: a new original (scaled up, recreated) gets carrier2 and stays ACTIVE; a lost shadow restores', () => {
    expect(decide({ state: 'ACTIVE' })).toEqual({ kind: 'wait' });
    expect(
      decide({ state: 'ACTIVE' }, { originals: [original('web-app-1'), original('web-app-3', { onCarrier2: false })] }),
    ).toEqual({ kind: 'installCarrier', pods: ['web-app-3'] });
    expect(decide({ state: 'ACTIVE' }, { shadow: undefined })).toMatchObject({ kind: 'transition', to: 'RESTORING' });
    expect(decide({ state: 'RESTORING' })).toMatchObject({ kind: 'transition', to: 'PREPARING' });
  });

  it('refuses an original carrier2 cannot serve, naming why', () => {
    const step = decide(
      { state: 'INSTALLING' },
      {
        originals: [original('web-app-1', { onCarrier2: false, installRefusal: 'has probes carrier2 cannot answer' })],
      },
    );
    expect(step).toEqual({
      kind: 'fail',
      reason: 'Carrier2NotInstallable',
      message: 'has probes carrier2 cannot answer',
    });
  });
});

describe('decideMount: a workload that goes away', () => {
  it('uninstalls, then MISSING with its bridges kept', () => {
    expect(decide({ state: 'ACTIVE' }, { workloadPresent: false })).toEqual({ kind: 'uninstall' });
    expect(decide({ state: 'ACTIVE' }, { workloadPresent: false, uninstalled: true })).toMatchObject({
      kind: 'transition',
      to: 'MISSING',
    });
  });

  it('waits out the grace period, then TERMINATED, uninstalled, deleted', () => {
    const missingSince = { MISSING: '2026-12-07T11:58:00.000000Z' };
    expect(decide({ state: 'MISSING', stateTransitions: missingSince }, { workloadPresent: false })).toEqual({
      kind: 'wait',
      recheckAt: new Date('2026-12-07T12:03:00Z'),
    });
    expect(
      decide(
        { state: 'MISSING', stateTransitions: missingSince, missingGracePeriodMs: 60_000 },
        { workloadPresent: false },
      ),
    ).toMatchObject({ kind: 'transition', to: 'TERMINATED' });
    expect(decide({ state: 'TERMINATED' }, { workloadPresent: false })).toEqual({ kind: 'uninstall' });
    expect(decide({ state: 'TERMINATED' }, { workloadPresent: false, uninstalled: true })).toEqual({ kind: 'delete' });
  });

  it('prepares again when the workload is back', () => {
    expect(decide({ state: 'MISSING' })).toMatchObject({ kind: 'transition', to: 'PREPARING' });
  });

  it('ends at its sunset', () => {
    expect(decide({ state: 'ACTIVE', sunset: new Date('2026-12-07T11:00:00Z') })).toMatchObject({
      kind: 'transition',
      to: 'TERMINATED',
      note: 'the sunset was reached',
    });
  });

  it('being deleted: finalize whatever the state', () => {
    expect(decide({ deleting: true, state: 'bogus' })).toEqual({ kind: 'finalize' });
  });
});

describe('decideMount: failures name what to change', () => {
  it.each<[Partial<GefyraBridgeMount>, string, string]>([
    [{ state: 'PAUSED' }, 'UnknownState', 'is not a GefyraBridgeMount state'],
    [{ provider: 'carrier' }, 'InvalidProvider', "is not 'carrier2mount'"],
    [{ target: 'job/x' }, 'InvalidTarget', 'is not "<kind>/<name>"'],
    [{ targetContainer: '' }, 'InvalidTarget', 'targetContainer'],
    [{ sunset: 'invalid' }, 'InvalidSunset', 'RFC 3339'],
    // As `gefyra mount create --tls-certificate /certs/tls.crt --tls-key /certs/tls.key` writes it (client-reads.md).
    [
      { providerParameter: { tls: { certificate: '/certs/tls.crt', key: '/certs/tls.key' } } },
      'TlsNotServed',
      'TLS termination (providerParameter tls for every port) is not served by this operator yet',
    ],
    [
      {
        providerParameter: {
          '8443': {
            tls: { certificate: { secret: { namespace: 'shop', name: 'web-tls', key: 'tls.crt' } }, key: '/k' },
          },
        },
      },
      'TlsNotServed',
      'providerParameter tls for port 8443',
    ],
  ])('%j → ERROR %s', (fields, reason, message) => {
    const step = decide({ state: 'ACTIVE', ...fields });
    expect(step).toMatchObject({ kind: 'fail', reason });
    expect(step.kind === 'fail' ? step.message : '').toContain(message);
  });

  it('installs a mount whose providerParameter asks for no TLS ({}, absent or null)', () => {
    for (const providerParameter of [{}, undefined, null]) {
      expect(decide({ state: 'REQUESTED', providerParameter })).toMatchObject({ kind: 'transition', to: 'PREPARING' });
    }
  });

  it('stays in ERROR while the mount asks for TLS, and restores at once when it no longer does', () => {
    const tls = { tls: { certificate: '/certs/tls.crt', key: '/certs/tls.key' } };
    const failed = { state: 'ERROR', failure: { reason: 'TlsNotServed' } };
    expect(decide({ ...failed, providerParameter: tls })).toEqual({ kind: 'wait' });
    expect(decide({ ...failed, providerParameter: {} })).toMatchObject({ kind: 'transition', to: 'RESTORING' });
  });

  it('stays in ERROR without restoring while the originals refuse carrier2 as they did, and looks again at the 60 s check', () => {
    const exec = 'container web of pod web-app-1 has probes carrier2 cannot answer: livenessProbe (exec)';
    const failed = {
      state: 'ERROR',
      stateTransitions: { ERROR: '2026-12-07T11:50:00.000000Z' },
      failure: { reason: 'Carrier2NotInstallable', message: exec },
    };
    const refusing = [original('web-app-1', { onCarrier2: false, installRefusal: exec })];
    expect(decide(failed, { originals: refusing })).toEqual({
      kind: 'wait',
      recheckAt: new Date('2026-12-07T12:01:00Z'),
    });
    // The workload rolled: its new pod refuses in its own words, or not at all; either way the mount is restored.
    const rolled = exec.replace('web-app-1', 'web-app-7');
    for (const originals of [
      [original('web-app-7', { onCarrier2: false, installRefusal: rolled })],
      [original('web-app-7', { onCarrier2: false })],
      [],
    ]) {
      expect(decide(failed, { originals })).toMatchObject({ kind: 'transition', to: 'RESTORING' });
    }
    // A failure recorded without its message is no refusal to recognise.
    expect(decide({ ...failed, failure: { reason: 'Carrier2NotInstallable' } }, { originals: refusing })).toMatchObject(
      { kind: 'transition', to: 'RESTORING' },
    );
  });

  it('stays in ERROR for the same reason; restores at once when the mount is corrected, else after 60 s', () => {
    expect(decide({ state: 'ERROR', target: 'job/x', failure: { reason: 'InvalidTarget' } })).toEqual({ kind: 'wait' });
    expect(decide({ state: 'ERROR', failure: { reason: 'InvalidTarget' } })).toMatchObject({
      kind: 'transition',
      to: 'RESTORING',
    });
    const failed = { state: 'ERROR', failure: { reason: 'Carrier2NotInstallable' } };
    expect(decide({ ...failed, stateTransitions: { ERROR: '2026-12-07T11:59:30.000000Z' } })).toEqual({
      kind: 'wait',
      recheckAt: new Date('2026-12-07T12:00:30Z'),
    });
    expect(decide({ ...failed, stateTransitions: { ERROR: '2026-12-07T11:58:00.000000Z' } })).toMatchObject({
      kind: 'transition',
      to: 'RESTORING',
    });
  });
});

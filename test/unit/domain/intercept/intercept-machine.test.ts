import { describe, expect, it } from 'vitest';
import {
  decideIntercept,
  httpProbePorts,
  type InterceptObservation,
  type InterceptStep,
  undeclaredPorts,
} from '../../../../src/domain/intercept/intercept-machine.js';
import { specFingerprint } from '../../../../src/domain/intercept/spec-fingerprint.js';
import {
  container,
  NOW,
  observation,
  owner,
  pod,
  progress,
  replaced,
  request,
  route,
} from '../../../support/domain-builders.js';

const failedStatus = (fields: Parameters<typeof request>[0] = {}) => ({
  phase: 'Failed' as const,
  reason: 'TargetPodNotFound',
  message: 'gone',
  failedSpec: specFingerprint(request(fields)),
});
const starting = () => ({ state: 'starting' as const, owner, installedAt: NOW, replaced });
const running = (containerID = 'containerd://c1') => ({
  state: 'running' as const,
  owner,
  installedAt: NOW,
  replaced,
  containerID,
});
const loaded = progress({ loadedRoutes: [route()], tunnelRevision: 'rev-1' });
const routed = { routes: [route()], progress: loaded };
const actionOf = (step: InterceptStep) => (step.kind === 'act' ? step.action.type : step.kind);
const reasonOf = (step: InterceptStep) =>
  step.kind === 'act' && step.action.type === 'recordFailure'
    ? step.action.reason
    : step.kind === 'wait' || step.kind === 'failed'
      ? step.reason
      : undefined;

describe('decideIntercept: establishing', () => {
  const cases: [string, Partial<InterceptObservation>, string, string?][] = [
    [
      'adds the finalizer before anything else',
      { request: request({}, { finalizer: false }), progress: progress({ finalizerPresent: false }) },
      'addFinalizer',
    ],
    ['refuses an invalid request', { request: request({ portMappings: ['x'] }) }, 'recordFailure', 'InvalidRequest'],
    ['refuses a missing pod', { pod: undefined }, 'recordFailure', 'TargetPodNotFound'],
    ['refuses a pod being deleted', { pod: pod({ deleting: true }) }, 'recordFailure', 'TargetPodTerminating'],
    ['refuses a pod that is not running', { pod: pod({ phase: 'Pending' }) }, 'recordFailure', 'TargetPodNotRunning'],
    [
      'refuses a missing container',
      { pod: pod({ containers: [container({ name: 'sidecar' })] }) },
      'recordFailure',
      'TargetContainerNotFound',
    ],
    [
      "refuses a target the carrier cannot serve, with the carrier's reason",
      {
        carrierProblems: [
          { reason: 'UnsupportedProbe', message: 'an exec probe' },
          { reason: 'Other', message: 'second' },
        ],
      },
      'recordFailure',
      'UnsupportedProbe',
    ],
    [
      'refuses a request no loaded carrier serves',
      { carrierName: undefined, carrierProblems: [{ reason: 'CarrierNotAvailable', message: 'none' }] },
      'recordFailure',
      'CarrierNotAvailable',
    ],
    [
      'refuses a missing pod before asking the carrier',
      { pod: undefined, carrierProblems: [{ reason: 'UnsupportedProbe', message: 'an exec probe' }] },
      'recordFailure',
      'TargetPodNotFound',
    ],
    [
      'refuses a container another request intercepts',
      { carrier: { ...running(), owner: { uid: 'uid-other', request: 'gefyra/other' } } },
      'recordFailure',
      'AlreadyIntercepted',
    ],
    ['reserves routes first', {}, 'reserveRoutes'],
    [
      'reserves again when the request maps other ports now',
      { request: request({ portMappings: ['9090:9000'] }), ...routed },
      'reserveRoutes',
    ],
    [
      'waits for a tunnel that does not run, before touching the pod',
      { routes: [route()], tunnelRevision: undefined },
      'wait',
      'TunnelNotReady',
    ],
    ['swaps in Carrier first, the slowest step', { routes: [route()] }, 'installCarrier'],
    [
      'loads reserved routes into the tunnel while Carrier starts',
      { routes: [route()], carrier: starting() },
      'loadTunnelRoutes',
    ],
    [
      'loads them again after the tunnel restarted',
      { ...routed, carrier: running(), tunnelRevision: 'rev-2' },
      'loadTunnelRoutes',
    ],
    [
      'prepares sync directories before Carrier',
      { ...routed, request: request({ syncDownDirectories: ['/app/logs'] }) },
      'prepareSync',
    ],
    [
      'installs Carrier once sync directories are ready',
      {
        ...routed,
        request: request({ syncDownDirectories: ['/app/logs'] }),
        progress: { ...loaded, syncPrepared: true },
      },
      'installCarrier',
    ],
    ['installs Carrier', routed, 'installCarrier'],
    [
      'waits for Carrier to start',
      { ...routed, carrier: { state: 'starting', owner, installedAt: NOW, replaced } },
      'wait',
      'CarrierStarting',
    ],
    [
      'fails when Carrier does not start in time',
      { ...routed, carrier: { state: 'starting', owner, installedAt: new Date(NOW.getTime() - 61_000), replaced } },
      'recordFailure',
      'CarrierStartTimeout',
    ],
    ['configures a running Carrier', { ...routed, carrier: running() }, 'configureCarrier'],
    [
      'marks the request established',
      { ...routed, carrier: running(), progress: { ...loaded, carrierFingerprint: 'containerd://c1|8080>10000||' } },
      'setEstablished',
    ],
    [
      'is established when everything is in place',
      {
        ...routed,
        carrier: running(),
        request: request({}, { established: true }),
        progress: { ...loaded, carrierFingerprint: 'containerd://c1|8080>10000||' },
      },
      'established',
    ],
    [
      'configures Carrier again after its container restarted',
      {
        ...routed,
        carrier: running('containerd://c2'),
        request: request({}, { established: true }),
        progress: { ...loaded, carrierFingerprint: 'containerd://c1|8080>10000||' },
      },
      'configureCarrier',
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected, reason) => {
    const step = decideIntercept(observation(overrides));
    expect(actionOf(step)).toBe(expected);
    if (reason) expect(reasonOf(step)).toBe(reason);
  });

  it('waits for Carrier only as long as the timeout leaves', () => {
    const step = decideIntercept(
      observation({
        ...routed,
        carrier: { state: 'starting', owner, installedAt: new Date(NOW.getTime() - 45_000), replaced },
      }),
    );
    expect(step).toMatchObject({ kind: 'wait', requeueAfterMs: 15_000, phase: 'StartingCarrier' });
  });

  it("names Carrier's own trouble when it fails to start", () => {
    const step = decideIntercept(
      observation({
        ...routed,
        carrier: {
          state: 'failing',
          owner,
          installedAt: new Date(NOW.getTime() - 70_000),
          replaced,
          reason: 'ImagePullBackOff',
        },
      }),
    );
    expect(step.kind === 'act' && step.action.type === 'recordFailure' && step.action.message).toMatch(
      /within 60s: ImagePullBackOff/,
    );
  });

  it('tells which containers exist when the target container is missing', () => {
    const step = decideIntercept(observation({ pod: pod({ containers: [container({ name: 'sidecar' })] }) }));
    expect(step.kind === 'act' && step.action.type === 'recordFailure' && step.action.message).toMatch(
      /no container "web" \(it has: sidecar\)/,
    );
  });

  it('configures routes in port order and answers only HTTP probes on ports it does not route', () => {
    const probed = pod({
      containers: [
        container({
          ports: [
            { containerPort: 8080, protocol: 'TCP' },
            { containerPort: 8081, protocol: 'TCP', name: 'health' },
          ],
          probes: { liveness: { kind: 'httpGet', port: 'health' }, readiness: { kind: 'httpGet', port: 8080 } },
        }),
      ],
    });
    const routes = [route(9090, 10001, 9000), route(8080, 10000)];
    const step = decideIntercept(
      observation({
        request: request({ portMappings: ['9090:9000', '8080:8000'] }),
        pod: probed,
        routes,
        progress: progress({ loadedRoutes: routes, tunnelRevision: 'rev-1' }),
        carrier: running(),
      }),
    );
    expect(step.kind === 'act' && step.action.type === 'configureCarrier' && step.action.setup).toMatchObject({
      routes: [{ containerPort: 8080 }, { containerPort: 9090 }],
      probePorts: [8081],
    });
  });

  it('unloads routes it no longer serves when reloading', () => {
    const step = decideIntercept(
      observation({
        routes: [route(8080, 10001)],
        carrier: running(),
        progress: progress({ loadedRoutes: [route(8080, 10000)], tunnelRevision: 'rev-1' }),
      }),
    );
    expect(step).toMatchObject({
      kind: 'act',
      action: { type: 'loadTunnelRoutes', present: [{ proxyPort: 10001 }], absent: [{ proxyPort: 10000 }] },
    });
  });
});

describe('decideIntercept: after a failure, everything is rolled back', () => {
  const failed = (extra: Parameters<typeof request>[1] = {}) =>
    request({ syncDownDirectories: ['/data'] }, { status: failedStatus({ syncDownDirectories: ['/data'] }), ...extra });
  const cases: [string, Partial<InterceptObservation>, string][] = [
    [
      'first withdraws `established`',
      { request: failed({ established: true }), carrier: running(), ...routed },
      'setEstablished',
    ],
    ['restores the pod', { request: failed(), carrier: running(), ...routed }, 'restoreCarrier'],
    [
      'leaves a container another request intercepts alone',
      {
        request: failed(),
        carrier: { ...running(), owner: { uid: 'x', request: 'gefyra/x' } },
        ...routed,
        progress: { ...loaded, syncRemoved: true },
      },
      'releaseRoutes',
    ],
    ['removes the sync directory', { request: failed(), ...routed }, 'removeSync'],
    [
      'releases the routes',
      { request: failed(), ...routed, progress: { ...loaded, syncRemoved: true } },
      'releaseRoutes',
    ],
    [
      'unloads them from the tunnel',
      { request: failed(), progress: { ...loaded, syncRemoved: true } },
      'unloadTunnelRoutes',
    ],
    ['then stays failed', { request: failed(), progress: progress({ syncRemoved: true }) }, 'failed'],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(actionOf(decideIntercept(observation(overrides)))).toBe(expected);
  });

  it('tries again once the request is edited, but not when only the generation moved', () => {
    expect(
      actionOf(decideIntercept(observation({ request: request({}, { status: failedStatus(), generation: 3 }) }))),
    ).toBe('failed');
    const edited = request({ portMappings: ['8080:9000'] }, { status: failedStatus(), generation: 2 });
    expect(actionOf(decideIntercept(observation({ request: edited })))).toBe('reserveRoutes');
  });

  it('reports the recorded reason when it settles', () => {
    expect(decideIntercept(observation({ request: request({}, { status: failedStatus() }) }))).toEqual({
      kind: 'failed',
      reason: 'TargetPodNotFound',
      message: 'gone',
    });
  });
});

describe('decideIntercept: a container held by another request (issue 18, item 8)', () => {
  const holder = (name: string) => ({ ...running(), owner: { uid: `uid-${name}`, request: `gefyra/${name}` } });
  const refused = (name: string) =>
    request(
      {},
      {
        status: {
          phase: 'Failed' as const,
          reason: 'AlreadyIntercepted',
          message: `container web of pod shop/web-7d9c6b5f4-abcde is already intercepted by InterceptRequest gefyra/${name}`,
          failedSpec: specFingerprint(request()),
        },
      },
    );

  it('stays refused while the same request holds the container', () => {
    expect(decideIntercept(observation({ request: refused('first'), carrier: holder('first') }))).toMatchObject({
      kind: 'failed',
      reason: 'AlreadyIntercepted',
    });
  });

  it('goes ahead once the holder let go, though the spec did not change', () => {
    expect(actionOf(decideIntercept(observation({ request: refused('first'), carrier: { state: 'absent' } })))).toBe(
      'reserveRoutes',
    );
  });

  it('names the new holder when another request took the container meanwhile', () => {
    const step = decideIntercept(observation({ request: refused('first'), carrier: holder('third') }));
    expect(step).toMatchObject({
      kind: 'act',
      action: {
        type: 'recordFailure',
        reason: 'AlreadyIntercepted',
        message: expect.stringMatching(/by InterceptRequest gefyra\/third$/),
      },
    });
  });
});

describe('decideIntercept: deletion resets everything the request touched', () => {
  const deleting = request({}, { deleting: true, established: true });
  const cases: [string, Partial<InterceptObservation>, string][] = [
    ['restores the pod first', { request: deleting, carrier: running(), ...routed }, 'restoreCarrier'],
    ['releases the routes', { request: deleting, ...routed }, 'releaseRoutes'],
    ['unloads them', { request: deleting, progress: loaded }, 'unloadTunnelRoutes'],
    ['then lets the request go', { request: deleting }, 'removeFinalizer'],
    [
      'and is done once the finalizer is gone',
      { request: deleting, progress: progress({ finalizerPresent: false }) },
      'released',
    ],
    [
      'resets an invalid request too',
      { request: request({ portMappings: [] }, { deleting: true }), routes: [route()] },
      'releaseRoutes',
    ],
  ];

  it.each(cases)('%s', (_name, overrides, expected) => {
    expect(actionOf(decideIntercept(observation(overrides)))).toBe(expected);
  });
});

describe('port helpers', () => {
  it('finds ports the request maps but the container does not declare', () => {
    const spec = request({ portMappings: ['8080:8000', '9999:9000'] }).spec;
    expect(spec.valid && undeclaredPorts(spec.spec, pod())).toEqual([9999]);
    expect(spec.valid && undeclaredPorts(spec.spec, undefined)).toEqual([]);
  });

  it('resolves named HTTP probe ports and ignores other probes', () => {
    const probed = pod({
      containers: [
        container({
          ports: [{ containerPort: 9000, protocol: 'TCP', name: 'metrics' }],
          probes: {
            startup: { kind: 'httpGet', port: 'metrics' },
            liveness: { kind: 'tcpSocket', port: 1 },
            readiness: { kind: 'httpGet', port: 9000 },
          },
        }),
      ],
    });
    expect(httpProbePorts(probed, 'web')).toEqual([9000]);
    expect(httpProbePorts(probed, 'missing')).toEqual([]);
  });
});

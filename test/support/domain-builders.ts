import type { ContainerSpec, Pod } from '../../src/domain/cluster/pod.js';
import { parseInterceptRequest, type InterceptRequest } from '../../src/domain/intercept-request/intercept-request.js';
import type { InterceptStatus } from '../../src/domain/intercept-request/intercept-status.js';
import type { InterceptObservation } from '../../src/domain/intercept/intercept-machine.js';
import type { InterceptProgress } from '../../src/domain/intercept/intercept-progress.js';
import type { Route } from '../../src/domain/routes/route.js';
import { clientRequest, type ClientRequestFields } from './intercept-request-fixtures.js';

/** Small builders of domain values for table-driven tests of pure decisions. */

export const NOW = new Date('2026-01-01T12:00:00Z');
export const FINALIZER = 'gefyra.dev/intercept-cleanup';

export function request(
  fields: ClientRequestFields = {},
  extra: {
    finalizer?: boolean;
    deleting?: boolean;
    established?: boolean;
    status?: InterceptStatus;
    generation?: number;
  } = {},
): InterceptRequest {
  const object = clientRequest(fields, { name: 'web-to-shop.deploy.web', uid: 'uid-me' });
  return parseInterceptRequest({
    ...object,
    established: extra.established ?? false,
    metadata: {
      ...(object['metadata'] as object),
      generation: extra.generation ?? 1,
      resourceVersion: '1',
      finalizers: extra.finalizer === false ? [] : [FINALIZER],
      ...(extra.deleting ? { deletionTimestamp: NOW.toISOString() } : {}),
    },
    ...(extra.status ? { status: extra.status } : {}),
  });
}

export function container(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: 'web',
    image: 'shop/web:1.0',
    ports: [{ containerPort: 8080, protocol: 'TCP' }],
    probes: {},
    ...overrides,
  };
}

export function pod(overrides: Partial<Pod> = {}): Pod {
  return {
    namespace: 'shop',
    name: 'web-7d9c6b5f4-abcde',
    uid: 'pod-uid',
    resourceVersion: '10',
    createdAt: new Date(NOW.getTime() - 3600_000),
    deleting: false,
    labels: {},
    annotations: {},
    phase: 'Running',
    podIP: '10.244.0.5',
    ready: true,
    containers: [container()],
    containerStatuses: [],
    ...overrides,
  };
}

export const route = (containerPort = 8080, proxyPort = 10000, port = 8000): Route => ({
  owner: 'web-to-shop.deploy.web',
  containerPort,
  proxyPort,
  destination: { ip: '172.18.0.3', port },
});

export const progress = (overrides: Partial<InterceptProgress> = {}): InterceptProgress => ({
  finalizerPresent: true,
  loadedRoutes: [],
  tunnelRevision: undefined,
  carrierFingerprint: undefined,
  syncPrepared: false,
  syncRemoved: false,
  ...overrides,
});

export const owner = { uid: 'uid-me', request: 'gefyra/web-to-shop.deploy.web' };
/** What the carrier stands in for, as an image-swapping carrier describes it. */
export const replaced = 'shop/web:1.0';

export function observation(overrides: Partial<InterceptObservation> = {}): InterceptObservation {
  const base = request();
  return {
    request: base,
    pod: pod(),
    carrier: { state: 'absent' },
    carrierName: 'carrier',
    carrierDisplayName: 'Carrier',
    carrierProblems: [],
    routes: [],
    tunnelRevision: 'rev-1',
    progress: progress({ finalizerPresent: base.finalizers.includes(FINALIZER) }),
    now: NOW,
    carrierStartupTimeoutMs: 60_000,
    retryAfterMs: 1000,
    ...overrides,
  };
}

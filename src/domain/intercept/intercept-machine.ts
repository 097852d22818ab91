import { findContainer, type Pod, probePortNumber } from '../cluster/pod.js';
import type { InterceptRequest } from '../intercept-request/intercept-request.js';
import type { InterceptSpec } from '../intercept-request/intercept-request-schema.js';
import type { InterceptPhase } from '../intercept-request/intercept-status.js';
import { sameRoutes } from '../routes/route-allocation.js';
import type { Route, WantedRoute } from '../routes/route.js';
import type { CarrierObservation } from '../../ports/carrier-installer.port.js';
import type { InterceptProgress } from './intercept-progress.js';
import { specFingerprint } from './spec-fingerprint.js';

/**
 * The intercept lifecycle as a pure decision: given what is in the cluster
 * now, what is the next step? The service applies that step, updates its
 * observation and asks again, until the answer is to wait or to stop.
 *
 * Everything it reads is stored in the cluster (the request and its status,
 * the pod and its carrier's record, the route table), so an operator that
 * crashed between two steps takes up exactly where it stopped.
 */
export interface InterceptObservation {
  readonly request: InterceptRequest;
  /** The target pod; undefined when it does not exist (or the spec is invalid). */
  readonly pod: Pod | undefined;
  /** The carrier in the target container (any loaded one), or what the chosen carrier sees: absent. */
  readonly carrier: CarrierObservation;
  /** The name of the carrier that observation is from; undefined when no loaded carrier serves the request. */
  readonly carrierName: string | undefined;
  /** What messages call that carrier. */
  readonly carrierDisplayName: string;
  /** Why that carrier cannot serve the target (its `validate`), or that there is no carrier for it. */
  readonly carrierProblems: readonly Failure[];
  /** This request's routes in the route store. */
  readonly routes: readonly Route[];
  /** Revision of the running tunnel; undefined while none runs. */
  readonly tunnelRevision: string | undefined;
  readonly progress: InterceptProgress;
  readonly now: Date;
  readonly carrierStartupTimeoutMs: number;
  /** How soon to look again while waiting for something no watch reports (the tunnel). */
  readonly retryAfterMs: number;
  /** Why the operator's policy refuses the request (see intercept-policy.ts), if it does. */
  readonly denial?: Failure | undefined;
}

export interface CarrierSetup {
  readonly routes: readonly Route[];
  readonly probePorts: readonly number[];
  readonly syncDirectories: readonly string[];
  readonly fingerprint: string;
}

export type InterceptAction =
  | { readonly type: 'addFinalizer' }
  | { readonly type: 'removeFinalizer' }
  | { readonly type: 'recordFailure'; readonly reason: string; readonly message: string }
  | { readonly type: 'reserveRoutes'; readonly wanted: readonly WantedRoute[] }
  | { readonly type: 'loadTunnelRoutes'; readonly present: readonly Route[]; readonly absent: readonly Route[] }
  | { readonly type: 'releaseRoutes' }
  | { readonly type: 'unloadTunnelRoutes'; readonly absent: readonly Route[] }
  | { readonly type: 'prepareSync' }
  | { readonly type: 'removeSync' }
  | { readonly type: 'installCarrier' }
  | { readonly type: 'configureCarrier'; readonly setup: CarrierSetup }
  | { readonly type: 'restoreCarrier' }
  | { readonly type: 'setEstablished'; readonly value: boolean };

export type InterceptStep =
  | { readonly kind: 'act'; readonly phase: InterceptPhase; readonly action: InterceptAction }
  /** Nothing to do until the world changes (a watch event) or the delay passes. */
  | {
      readonly kind: 'wait';
      readonly phase: InterceptPhase;
      readonly reason: string;
      readonly message: string;
      readonly requeueAfterMs?: number;
    }
  | { readonly kind: 'established' }
  /** Terminal for this generation of the request; everything was rolled back. */
  | { readonly kind: 'failed'; readonly reason: string; readonly message: string }
  /** The request is being deleted and nothing of it is left; its finalizer is gone. */
  | { readonly kind: 'released' };

export interface Failure {
  readonly reason: string;
  readonly message: string;
}

export function decideIntercept(observation: InterceptObservation): InterceptStep {
  const { request, progress } = observation;
  if (request.deleting) return decideTeardown(observation);

  const recorded = recordedFailure(observation);
  if (recorded) {
    return rollbackStep(observation, 'Failed') ?? { kind: 'failed', ...recorded };
  }
  if (!progress.finalizerPresent) return act('Pending', { type: 'addFinalizer' });

  const failure = findFailure(observation);
  if (failure) return act('Failed', { type: 'recordFailure', ...failure });

  // findFailure guarantees a valid spec, a running pod and an intact container from here on.
  const spec = (request.spec as { spec: InterceptSpec }).spec;
  const pod = observation.pod as Pod;
  return decideEstablish(observation, spec, pod);
}

function decideEstablish(observation: InterceptObservation, spec: InterceptSpec, pod: Pod): InterceptStep {
  const { carrier, routes, progress, tunnelRevision } = observation;
  const wanted = wantedRoutes(spec);
  if (!routesMatch(routes, wanted))
    return act('Routing', { type: 'reserveRoutes', wanted: withLoadedPorts(wanted, progress.loadedRoutes) });

  // The pod is touched only while the tunnel runs, or it would lose its
  // container for nothing.
  if (tunnelRevision === undefined) return waitForTunnel(observation);
  // Installing the carrier (for an image swap: a container restart, an
  // image pull in real clusters) is the slowest step: start it first, and
  // load the routes while the kubelet starts it.
  if (carrier.state === 'absent') {
    if (spec.syncDownDirectories.length > 0 && !progress.syncPrepared) return act('Routing', { type: 'prepareSync' });
    return act('StartingCarrier', { type: 'installCarrier' });
  }
  if (progress.tunnelRevision !== tunnelRevision || !sameRoutes(progress.loadedRoutes, routes)) {
    const absent = progress.loadedRoutes.filter(
      (loaded) => !routes.some((route) => route.proxyPort === loaded.proxyPort),
    );
    return act('Routing', { type: 'loadTunnelRoutes', present: routes, absent });
  }

  switch (carrier.state) {
    case 'starting':
    case 'failing': {
      const elapsed = observation.now.getTime() - carrier.installedAt.getTime();
      const detail = carrier.state === 'failing' ? `: ${carrier.reason}` : '';
      if (elapsed >= observation.carrierStartupTimeoutMs) {
        return act('Failed', {
          type: 'recordFailure',
          reason: 'CarrierStartTimeout',
          message:
            `${observation.carrierDisplayName} did not start in pod ${pod.namespace}/${pod.name} within ` +
            `${Math.round(observation.carrierStartupTimeoutMs / 1000)}s${detail}`,
        });
      }
      return wait(
        'StartingCarrier',
        'CarrierStarting',
        `waiting for ${observation.carrierDisplayName} to run in container ${observation.request.spec.valid ? spec.targetContainer : ''}${detail}`,
        observation.carrierStartupTimeoutMs - elapsed,
      );
    }
    case 'running': {
      const setup = carrierSetup(spec, pod, routes, carrier.containerID);
      if (progress.carrierFingerprint !== setup.fingerprint) {
        return act('StartingCarrier', { type: 'configureCarrier', setup });
      }
      if (!observation.request.established) return act('Established', { type: 'setEstablished', value: true });
      return { kind: 'established' };
    }
  }
}

const waitForTunnel = (observation: InterceptObservation): InterceptStep =>
  wait(
    'Routing',
    'TunnelNotReady',
    'waiting for the tunnel to run before routes can be loaded',
    observation.retryAfterMs,
  );

function decideTeardown(observation: InterceptObservation): InterceptStep {
  const step = rollbackStep(observation, 'Restoring');
  if (step) return step;
  if (observation.progress.finalizerPresent) return act('Restoring', { type: 'removeFinalizer' });
  return { kind: 'released' };
}

/** The next step that undoes something this request did, or undefined when nothing is left. */
function rollbackStep(observation: InterceptObservation, phase: InterceptPhase): InterceptStep | undefined {
  const { request, carrier, routes, progress } = observation;
  if (request.established && !request.deleting) return act(phase, { type: 'setEstablished', value: false });
  if (carrier.state !== 'absent' && carrier.owner.uid === request.uid) return act(phase, { type: 'restoreCarrier' });
  // The sync directory is the target container's: while another request's carrier runs there, it is that request's.
  const containerTakenByOther = carrier.state !== 'absent' && carrier.owner.uid !== request.uid;
  if (
    request.spec.valid &&
    request.spec.spec.syncDownDirectories.length > 0 &&
    !progress.syncRemoved &&
    !containerTakenByOther
  ) {
    return act(phase, { type: 'removeSync' });
  }
  if (routes.length > 0) return act(phase, { type: 'releaseRoutes' });
  if (progress.loadedRoutes.length > 0) {
    return act(phase, { type: 'unloadTunnelRoutes', absent: progress.loadedRoutes });
  }
  return undefined;
}

/**
 * A failure stands until the user changes what the request asks for. The
 * spec's fingerprint decides that, not the generation: the operator's own
 * writes of `established` bump the generation too. A container held by
 * another request is the one refusal that ends without the user: it stands
 * only while the same request still holds it (when that one goes, the
 * request is judged again, and goes ahead if nothing else is in the way).
 */
export function recordedFailure(observation: InterceptObservation): Failure | undefined {
  const { request } = observation;
  const { status } = request;
  if (status.phase !== 'Failed' || status.failedSpec !== specFingerprint(request)) return undefined;
  const recorded = { reason: status.reason ?? 'Failed', message: status.message ?? 'the intercept failed' };
  if (recorded.reason === 'AlreadyIntercepted' && findFailure(observation)?.message !== recorded.message)
    return undefined;
  return recorded;
}

/** Why this request cannot be carried out, if it cannot. Reasons are stable for tools; messages are for people. */
export function findFailure(observation: InterceptObservation): Failure | undefined {
  const { request, pod, carrier } = observation;
  if (!request.spec.valid) return { reason: 'InvalidRequest', message: request.spec.reason };
  if (observation.denial) return observation.denial;
  const spec = request.spec.spec;
  const target = `${spec.targetNamespace}/${spec.targetPod}`;
  if (!pod) return { reason: 'TargetPodNotFound', message: `pod ${target} does not exist` };
  if (pod.deleting) return { reason: 'TargetPodTerminating', message: `pod ${target} is being deleted` };
  if (pod.phase !== 'Running') {
    return { reason: 'TargetPodNotRunning', message: `pod ${target} is ${pod.phase}, not Running` };
  }
  const container = findContainer(pod, spec.targetContainer);
  if (!container) {
    const names = pod.containers.map((candidate) => candidate.name).join(', ');
    return {
      reason: 'TargetContainerNotFound',
      message: `pod ${target} has no container "${spec.targetContainer}" (it has: ${names})`,
    };
  }
  if (carrier.state !== 'absent' && carrier.owner.uid === request.uid && carrier.replacedBy !== undefined) {
    return {
      reason: 'ContainerImageChanged',
      message:
        `the image of container ${spec.targetContainer} in pod ${target} ` +
        `was changed to ${carrier.replacedBy} while it was intercepted; the intercept ended and that image is kept`,
    };
  }
  if (carrier.state !== 'absent' && carrier.owner.uid !== request.uid) {
    return {
      reason: 'AlreadyIntercepted',
      message: `container ${spec.targetContainer} of pod ${target} is already intercepted by InterceptRequest ${carrier.owner.request}`,
    };
  }
  // What only the carrier knows: which targets it can serve (e.g. which probes it can answer).
  return observation.carrierProblems[0];
}

/** Ports the request maps that the container does not declare: allowed (it may still serve them), but worth a warning. */
export function undeclaredPorts(spec: InterceptSpec, pod: Pod | undefined): number[] {
  const container = pod && findContainer(pod, spec.targetContainer);
  if (!container) return [];
  const declared = new Set(container.ports.map((port) => port.containerPort));
  return spec.portMappings.map((mapping) => mapping.containerPort).filter((port) => !declared.has(port));
}

export function wantedRoutes(spec: InterceptSpec): WantedRoute[] {
  return spec.portMappings.map((mapping) => ({
    containerPort: mapping.containerPort,
    destination: { ip: spec.destinationIP, port: mapping.destinationPort },
  }));
}

/** A route lost from the table (removed by hand, the table deleted) gets back the port its carrier points at, if still free. */
function withLoadedPorts(wanted: readonly WantedRoute[], loaded: readonly Route[]): WantedRoute[] {
  return wanted.map((want) => {
    const before = loaded.find((route) => route.containerPort === want.containerPort);
    return before ? { ...want, preferredProxyPort: before.proxyPort } : want;
  });
}

function routesMatch(routes: readonly Route[], wanted: readonly WantedRoute[]): boolean {
  return (
    routes.length === wanted.length &&
    wanted.every((want) =>
      routes.some(
        (route) =>
          route.containerPort === want.containerPort &&
          route.destination.ip === want.destination.ip &&
          route.destination.port === want.destination.port,
      ),
    )
  );
}

function carrierSetup(spec: InterceptSpec, pod: Pod, routes: readonly Route[], containerID: string): CarrierSetup {
  const routedPorts = new Set(routes.map((route) => route.containerPort));
  const probePorts = spec.handleProbes
    ? httpProbePorts(pod, spec.targetContainer).filter((port) => !routedPorts.has(port))
    : [];
  const sorted = [...routes].sort((a, b) => a.containerPort - b.containerPort);
  const fingerprint = [
    containerID,
    sorted.map((route) => `${route.containerPort}>${route.proxyPort}`).join(','),
    probePorts.join(','),
    spec.syncDownDirectories.join(','),
  ].join('|');
  return { routes: sorted, probePorts, syncDirectories: spec.syncDownDirectories, fingerprint };
}

/** Ports of the container's httpGet probes, named ports resolved through its port list. */
export function httpProbePorts(pod: Pod, containerName: string): number[] {
  const container = findContainer(pod, containerName);
  if (!container) return [];
  const ports = new Set<number>();
  for (const probe of Object.values(container.probes)) {
    if (probe?.kind !== 'httpGet') continue;
    const port = probePortNumber(probe.port, container.ports);
    if (port !== undefined) ports.add(port);
  }
  return [...ports].sort((a, b) => a - b);
}

const act = (phase: InterceptPhase, action: InterceptAction): InterceptStep => ({ kind: 'act', phase, action });

const wait = (phase: InterceptPhase, reason: string, message: string, requeueAfterMs?: number): InterceptStep =>
  requeueAfterMs === undefined
    ? { kind: 'wait', phase, reason, message }
    : { kind: 'wait', phase, reason, message, requeueAfterMs };

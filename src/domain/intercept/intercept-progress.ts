import type { InterceptRequest } from '../intercept-request/intercept-request.js';
import type { InterceptStatus } from '../intercept-request/intercept-status.js';
import type { Route } from '../routes/route.js';

/**
 * Bookkeeping of an intercept that the world cannot show: what the tunnel was
 * told and what the carrier was configured with. It is persisted in the request's
 * status; the two `sync*` flags live only for one reconcile (their commands are
 * idempotent, so repeating them after a crash is harmless).
 */
export interface InterceptProgress {
  readonly finalizerPresent: boolean;
  readonly loadedRoutes: readonly Route[];
  readonly tunnelRevision: string | undefined;
  readonly carrierFingerprint: string | undefined;
  readonly syncPrepared: boolean;
  readonly syncRemoved: boolean;
}

export function progressOf(request: InterceptRequest, finalizer: string): InterceptProgress {
  const { status } = request;
  return {
    finalizerPresent: request.finalizers.includes(finalizer),
    loadedRoutes: (status.routes ?? []).map((route) => ({
      owner: request.name,
      containerPort: route.containerPort,
      destination: { ip: route.destinationIP, port: route.destinationPort },
      proxyPort: route.proxyPort,
    })),
    tunnelRevision: status.tunnelRevision,
    carrierFingerprint: status.carrierFingerprint,
    syncPrepared: false,
    syncRemoved: false,
  };
}

export function progressToStatus(
  progress: InterceptProgress,
): Pick<InterceptStatus, 'routes' | 'tunnelRevision' | 'carrierFingerprint'> {
  return {
    routes: progress.loadedRoutes.map((route) => ({
      containerPort: route.containerPort,
      destinationIP: route.destination.ip,
      destinationPort: route.destination.port,
      proxyPort: route.proxyPort,
    })),
    ...(progress.tunnelRevision === undefined ? {} : { tunnelRevision: progress.tunnelRevision }),
    ...(progress.carrierFingerprint === undefined ? {} : { carrierFingerprint: progress.carrierFingerprint }),
  };
}

import { randomBytes } from 'node:crypto';
import type { Clock } from '../../ports/clock.port.js';
import type { ObjectApi } from '../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../gefyra-release.js';
import { OPERATOR_DEPLOYMENT } from '../../domain/boot/operator-events.js';

/** Label of every readiness Event, so that they can be found and withdrawn. */
export const READY_SIGNAL_LABEL = 'gefyra.dev/signal';

export interface ReadinessSignal {
  readonly reason: string;
  readonly message: string;
  /** The Deployment the Event is about (`gefyra-operator`, or `gefyra-operator-webhook`). */
  readonly deployment?: string;
  /** Value of READY_SIGNAL_LABEL: the operator withdraws its `ready` signals when Stowaway fails, and only those. */
  readonly label?: string;
}

/**
 * Posts a readiness signal as a core/v1 Event in the operator namespace,
 * readable by both client generations: the 0.13 client reads the reason; the
 * 2.5 client also needs a non-null `eventTime` later than the Event's
 * `creationTimestamp` (which the API server stores to the second, so the
 * microseconds of "now" put eventTime after it). An Event with eventTime
 * must name its reporting controller, instance and action. Every Event gets
 * a fresh name, so a restarted process can always post one.
 */
export async function postReadinessEvent(objects: ObjectApi, clock: Clock, namespace: string, signal: ReadinessSignal, abort: AbortSignal): Promise<void> {
  const now = clock.now();
  const deployment = signal.deployment ?? OPERATOR_DEPLOYMENT;
  await objects.create(
    {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: {
        name: `${signal.reason.toLowerCase()}.${randomBytes(8).toString('hex')}`,
        namespace,
        labels: { [READY_SIGNAL_LABEL]: signal.label ?? 'ready', ...MANAGED_BY_LABELS },
      },
      involvedObject: { apiVersion: 'apps/v1', kind: 'Deployment', name: deployment, namespace },
      reason: signal.reason,
      message: signal.message,
      type: 'Normal',
      firstTimestamp: now.toISOString(),
      lastTimestamp: now.toISOString(),
      eventTime: microTime(now),
      count: 1,
      action: 'Startup',
      reportingComponent: 'gefyra-operator',
      reportingInstance: deployment,
      source: { component: 'gefyra-operator' },
    },
    abort,
  );
}

/** RFC 3339 with microseconds (`MicroTime`); a Date holds milliseconds, so the last three digits are zero. */
export const microTime = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

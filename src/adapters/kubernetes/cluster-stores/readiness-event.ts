import { randomBytes } from 'node:crypto';
import type { Clock } from '../../../ports/clock.port.js';
import { refOf, type Manifest, type ObjectApi } from '../../../ports/cluster-api.port.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';
import { OPERATOR_DEPLOYMENT } from '../../../domain/boot/operator-events.js';

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
 * `creationTimestamp`. The API server stamps creation to the second when it
 * stores the Event, so a request that crosses a second boundary gets a
 * creationTimestamp after "now": such an Event is posted again (a reader
 * that only sees new Events then sees a good one), or, where the clock has
 * not moved on (a test's), given an eventTime just after its creation. An
 * Event with eventTime must name its reporting controller, instance and
 * action. Every Event gets a fresh name, so a restarted process can always
 * post one.
 */
export async function postReadinessEvent(
  objects: ObjectApi,
  clock: Clock,
  namespace: string,
  signal: ReadinessSignal,
  abort: AbortSignal,
): Promise<void> {
  const first = clock.now();
  let posted = await objects.create(readinessEvent(namespace, signal, first), abort);
  if (eventTimeAfterCreation(first, posted)) return;
  const second = clock.now();
  if (second.getTime() > createdAt(posted)) {
    await objects.remove(refOf(posted), abort);
    posted = await objects.create(readinessEvent(namespace, signal, second), abort);
    if (eventTimeAfterCreation(second, posted)) return;
  }
  await objects.patch(refOf(posted), { eventTime: microTimeAfter(createdAt(posted)) }, abort);
}

function readinessEvent(namespace: string, signal: ReadinessSignal, now: Date): Manifest {
  const deployment = signal.deployment ?? OPERATOR_DEPLOYMENT;
  return {
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
  };
}

const createdAt = (event: Manifest): number => Date.parse(event.metadata.creationTimestamp ?? '');

/** Whether an Event stamped at `eventTime` reads as later than its creation (a missing creationTimestamp cannot contradict it). */
const eventTimeAfterCreation = (eventTime: Date, event: Manifest): boolean =>
  !(createdAt(event) >= eventTime.getTime());

/** RFC 3339 with microseconds (`MicroTime`); a Date holds milliseconds, so the last three digits are zero. */
export const microTime = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

/** One microsecond after a moment given in milliseconds: the first MicroTime later than it. */
const microTimeAfter = (milliseconds: number): string =>
  new Date(milliseconds).toISOString().replace(/\.(\d{3})Z$/, '.$1001Z');

import { randomBytes } from 'node:crypto';
import { toDomainError } from '../../../domain/errors.js';
import type { Clock } from '../../../ports/clock.port.js';
import type { ObjectApi } from '../../../ports/cluster-api.port.js';
import type { EventRecorder, OperatorEvent } from '../../../ports/event-recorder.port.js';
import type { Logger } from '../../../ports/logger.port.js';

export const REPORTING_CONTROLLER = 'gefyra.dev/operator';

/**
 * Events as events.k8s.io/v1 objects (readable through core/v1 as well, so
 * `kubectl describe` shows them). Failing to record one is logged, never
 * thrown: an Event is a report about work, not part of it.
 */
export class ClusterEventRecorder implements EventRecorder {
  readonly #objects: ObjectApi;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #defaultNamespace: string;
  readonly #instance: string;

  constructor(objects: ObjectApi, clock: Clock, logger: Logger, defaultNamespace: string, instance: string) {
    this.#objects = objects;
    this.#clock = clock;
    this.#logger = logger;
    this.#defaultNamespace = defaultNamespace;
    this.#instance = instance;
  }

  async record(event: OperatorEvent, signal: AbortSignal): Promise<void> {
    const namespace = event.regarding.namespace ?? this.#defaultNamespace;
    try {
      await this.#objects.create(
        {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: eventName(event.regarding.name, randomBytes(8).toString('hex')), namespace },
          eventTime: microTime(this.#clock.now()),
          reportingController: REPORTING_CONTROLLER,
          reportingInstance: this.#instance,
          action: event.action,
          reason: event.reason,
          note: event.note.slice(0, 1024),
          type: event.type,
          regarding: {
            apiVersion: event.regarding.apiVersion,
            kind: event.regarding.kind,
            name: event.regarding.name,
            namespace,
          },
        },
        signal,
      );
    } catch (error) {
      this.#logger.warn({ reason: event.reason, error: toDomainError(error).message }, 'could not record event');
    }
  }
}

/** Fits in 253 characters whatever the name of the object it regards (a request's name may use all of them). */
export function eventName(regarding: string, suffix: string): string {
  const room = 253 - suffix.length - 1;
  const base = regarding.length <= room ? regarding : regarding.slice(0, room).replace(/[-.]+$/, '');
  return `${base}.${suffix}`;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export const microTime = (date: Date): string => date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');

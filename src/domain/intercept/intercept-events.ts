import type { ObjectRef } from '../../ports/cluster-api.port.js';
import type { OperatorEvent } from '../../ports/event-recorder.port.js';
import {
  INTERCEPT_REQUEST_API_VERSION,
  INTERCEPT_REQUEST_KIND,
  type InterceptRequestRef,
} from '../intercept-request/intercept-request.js';

export const requestObjectRef = (request: InterceptRequestRef): ObjectRef => ({
  apiVersion: INTERCEPT_REQUEST_API_VERSION,
  kind: INTERCEPT_REQUEST_KIND,
  namespace: request.namespace,
  name: request.name,
});

export const interceptEvent = (
  request: InterceptRequestRef,
  type: OperatorEvent['type'],
  reason: string,
  note: string,
): OperatorEvent => ({ regarding: requestObjectRef(request), type, reason, action: 'Intercept', note });

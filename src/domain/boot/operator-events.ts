import type { OperatorEvent } from '../../ports/event-recorder.port.js';

/** Events about the operator as a whole are filed against its Deployment. */
export const OPERATOR_DEPLOYMENT = 'gefyra-operator';

export const operatorEvent = (
  namespace: string,
  type: OperatorEvent['type'],
  reason: string,
  note: string,
  action = 'Boot',
): OperatorEvent => ({
  regarding: { apiVersion: 'apps/v1', kind: 'Deployment', namespace, name: OPERATOR_DEPLOYMENT },
  type,
  reason,
  action,
  note,
});

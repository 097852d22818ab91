import { isRecord } from '../../../src/domain/json-reading.js';
import type { JsonObject, StoredObject } from '../../../src/adapters/in-memory/stored-object.js';

/** Counts of a Deployment's pods, from which its status is derived. */
export interface ReplicaCounts {
  readonly desired: number;
  readonly total: number;
  readonly updated: number;
  readonly ready: number;
}

/**
 * The status the deployment controller writes: counts (zeros omitted, as the
 * API serializes them), observedGeneration, and the Available and Progressing
 * conditions, whose transition times move only when their status or reason does.
 */
export function deploymentStatus(
  deployment: StoredObject,
  replicaSet: string,
  counts: ReplicaCounts,
  now: string,
): JsonObject {
  const spec = isRecord(deployment['spec']) ? deployment['spec'] : {};
  const minimum = Math.max(0, counts.desired - maxUnavailable(spec['strategy'], counts.desired));
  const available = counts.ready >= minimum;
  const complete =
    counts.updated === counts.desired && counts.ready >= counts.desired && counts.total === counts.desired;
  const previous =
    isRecord(deployment['status']) && Array.isArray(deployment['status']['conditions'])
      ? deployment['status']['conditions']
      : [];
  const condition = (type: string, ok: boolean, reason: string, message: string): JsonObject => {
    const status = ok ? 'True' : 'False';
    const kept = previous.find(
      (entry) => isRecord(entry) && entry['type'] === type && entry['status'] === status && entry['reason'] === reason,
    );
    const since = isRecord(kept) && typeof kept['lastTransitionTime'] === 'string' ? kept['lastTransitionTime'] : now;
    const updated = isRecord(kept) && typeof kept['lastUpdateTime'] === 'string' ? kept['lastUpdateTime'] : now;
    return { type, status, lastUpdateTime: updated, lastTransitionTime: since, reason, message };
  };
  return omitZeros({
    observedGeneration: deployment.metadata.generation,
    replicas: counts.total,
    updatedReplicas: counts.updated,
    readyReplicas: counts.ready,
    availableReplicas: counts.ready,
    unavailableReplicas: Math.max(0, counts.desired - counts.ready),
    conditions: [
      available
        ? condition('Available', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.')
        : condition('Available', false, 'MinimumReplicasUnavailable', 'Deployment does not have minimum availability.'),
      complete
        ? condition(
            'Progressing',
            true,
            'NewReplicaSetAvailable',
            `ReplicaSet "${replicaSet}" has successfully progressed.`,
          )
        : condition('Progressing', true, 'ReplicaSetUpdated', `ReplicaSet "${replicaSet}" is progressing.`),
    ],
  });
}

export function replicaSetStatus(generation: number, total: number, ready: number): JsonObject {
  return omitZeros({
    replicas: total,
    fullyLabeledReplicas: total,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: generation,
  });
}

/** `spec.strategy.rollingUpdate.maxUnavailable`: an int or a percentage rounded down; 25% by default. */
function maxUnavailable(strategy: unknown, desired: number): number {
  const rolling = isRecord(strategy) && isRecord(strategy['rollingUpdate']) ? strategy['rollingUpdate'] : {};
  const value = isRecord(strategy) && strategy['type'] === 'Recreate' ? desired : (rolling['maxUnavailable'] ?? '25%');
  if (typeof value === 'number') return value;
  const percent = /^(\d+)%$/.exec(String(value));
  return percent ? Math.floor((desired * Number(percent[1])) / 100) : 0;
}

function omitZeros(status: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(status).filter(([, value]) => value !== 0));
}

import { isDomainError } from '../../../domain/errors.js';
import type { ObjectApi, ObjectRef } from '../../../ports/cluster-api.port.js';
import type { ResetLedger, ResetRecord } from '../../../ports/reset-ledger.port.js';
import { MANAGED_BY_LABELS } from '../../../gefyra-release.js';

export const RESET_CONFIG_MAP = 'gefyra-operator-reset';

/** The reset decision as a ConfigMap in the operator namespace; the first decision recorded stands. */
export class ClusterResetLedger implements ResetLedger {
  readonly #objects: ObjectApi;
  readonly #ref: ObjectRef;

  constructor(objects: ObjectApi, namespace: string) {
    this.#objects = objects;
    this.#ref = { apiVersion: 'v1', kind: 'ConfigMap', namespace, name: RESET_CONFIG_MAP };
  }

  async find(signal: AbortSignal): Promise<ResetRecord | undefined> {
    const configMap = await this.#objects.find(this.#ref, signal);
    if (!configMap) return undefined;
    const data = (configMap['data'] ?? {}) as Record<string, string>;
    return {
      reason: data['reason'] ?? 'reset requested',
      requestedAt: new Date(data['requestedAt'] ?? configMap.metadata.creationTimestamp ?? 0),
    };
  }

  async record(reset: ResetRecord, signal: AbortSignal): Promise<void> {
    try {
      await this.#objects.create(
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: {
            name: this.#ref.name,
            namespace: this.#ref.namespace as string,
            labels: { ...MANAGED_BY_LABELS },
          },
          data: { reason: reset.reason, requestedAt: reset.requestedAt.toISOString() },
        },
        signal,
      );
    } catch (error) {
      if (!isDomainError(error, 'AlreadyExists')) throw error;
    }
  }
}

import {
  ALLOWED,
  denied,
  firstDenial,
  immutable,
  isSet,
  type AdmissionInput,
  type AdmissionVerdict,
} from '../../../../domain/admission/admission-verdict.js';
import { CARRIER2_MOUNT_PROVIDER } from '../mount/mount-decision.js';
import { parseMountTarget } from '../mount/mount-target.js';
import { tlsRefusal } from '../mount/mount-tls.js';

/** Another mount, as far as the rules compare it. */
export interface ExistingMount {
  readonly name: string;
  readonly target: unknown;
  readonly targetNamespace: unknown;
}

export interface MountParametersContext {
  readonly otherMounts: readonly ExistingMount[];
}

/** `deploy/web` and `deployment/web` name one workload: the kind in its long form, or undefined when it is not a mountable kind. */
export function normalisedTarget(target: unknown): string | undefined {
  const parsed = parseMountTarget(target);
  return parsed.ok ? `${parsed.target.kind.toLowerCase()}/${parsed.target.name}` : undefined;
}

/**
 * `/mount-parameters` (contract §5). CREATE: the provider is Carrier2, the
 * target fields are set, the target is a Deployment, StatefulSet or Pod, no
 * other mount prepares the same workload, and no TLS termination is asked
 * for (not served yet: refused here so that the client prints why). UPDATE:
 * the target fields are fixed (the operator's own state patches change none
 * of them).
 */
export function validateMountParameters(input: AdmissionInput, context: MountParametersContext): AdmissionVerdict {
  const { object } = input;
  if (input.operation === 'UPDATE')
    return immutable(input, 'GefyraBridgeMount', ['target', 'targetNamespace', 'targetContainer']);
  if (input.operation !== 'CREATE') return ALLOWED;
  const target = normalisedTarget(object['target']);
  return firstDenial(
    () =>
      object['provider'] === CARRIER2_MOUNT_PROVIDER
        ? ALLOWED
        : denied(
            `Unknown provider ${JSON.stringify(object['provider'])}: a GefyraBridgeMount uses '${CARRIER2_MOUNT_PROVIDER}'`,
          ),
    () => {
      const missing = ['target', 'targetNamespace', 'targetContainer'].filter(
        (field) => !isSet(object[field]) || typeof object[field] !== 'string',
      );
      return missing.length === 0
        ? ALLOWED
        : denied(`A GefyraBridgeMount needs ${missing.map((field) => `'${field}'`).join(', ')}`);
    },
    () =>
      target !== undefined
        ? ALLOWED
        : denied(
            `'target' must be <kind>/<name> with kind deploy, sts or pod (or deployment, statefulset) (got ${JSON.stringify(object['target'])})`,
          ),
    () => {
      const same = context.otherMounts.find(
        (other) =>
          other.name !== object.metadata?.name &&
          other.targetNamespace === object['targetNamespace'] &&
          normalisedTarget(other.target) === target,
      );
      return same === undefined
        ? ALLOWED
        : denied(
            `${String(object['target'])} in ${String(object['targetNamespace'])} is already mounted by ${same.name}`,
          );
    },
    () => {
      const tls = tlsRefusal(object['providerParameter']);
      return tls === undefined ? ALLOWED : denied(tls);
    },
  );
}

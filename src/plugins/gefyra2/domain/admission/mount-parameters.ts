import {
  ALLOWED,
  denied,
  firstDenial,
  immutable,
  isSet,
  type AdmissionInput,
  type AdmissionVerdict,
} from '../../../../domain/admission/admission-verdict.js';

export const CARRIER2_MOUNT_PROVIDER = 'carrier2mount';

/** The workload kinds a mount may target, short and long forms, each to the form it is compared in. */
const TARGET_KINDS: Readonly<Record<string, string>> = {
  deploy: 'deployment',
  deployment: 'deployment',
  deployments: 'deployment',
  sts: 'statefulset',
  statefulset: 'statefulset',
  statefulsets: 'statefulset',
  po: 'pod',
  pod: 'pod',
  pods: 'pod',
};
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

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
  if (typeof target !== 'string') return undefined;
  const [kind, name, ...rest] = target.split('/');
  const canonicalKind = TARGET_KINDS[kind?.toLowerCase() ?? ''];
  if (canonicalKind === undefined || name === undefined || rest.length > 0 || !NAME.test(name)) return undefined;
  return `${canonicalKind}/${name}`;
}

/**
 * `/mount-parameters` (contract §5). CREATE: the provider is Carrier2, the
 * target fields are set, the target is a Deployment, StatefulSet or Pod, and
 * no other mount prepares the same workload. UPDATE: the target fields are
 * fixed (the operator's own state patches change none of them).
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
  );
}

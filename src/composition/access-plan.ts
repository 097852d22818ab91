import type { AccessPlan } from '../adapters/access/access-plan.js';
import { GrantedAccess, type Permission } from '../adapters/access/granted-access.js';
import type { StatusWrites } from '../adapters/kubernetes/cluster-stores/cluster-intercept-request-store.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../crd/intercept-request-crd.js';
import { DEFAULT_OPERATOR_IMAGE } from '../install/install-manifests.js';
import { FALLBACK_CONTRACT } from '../plugins/built-in.js';
import type { ClientContract } from '../plugins/plugin.js';

/** The name install manifests give the operator's ClusterRole and Role. */
const OPERATOR_ROLE = 'gefyra-operator';

/** How often an unwatched wait (Stowaway starting, Carrier starting) is looked at again. */
export const UNWATCHED_RECHECK_MS = 1000;

const CRD = { group: 'apiextensions.k8s.io', resource: 'customresourcedefinitions' };
const REVIEWS = { group: 'authorization.k8s.io', resource: 'subjectaccessreviews' };

export interface AccessPlanOptions {
  /**
   * The client contract served; default the fallback (0.13). Its install
   * manifests say what is needed. Where its InterceptRequests are optional
   * they are one of the things served, not the reason to run (the client's
   * role may grant no rights on them): without their rights the operator
   * starts and serves the rest.
   */
  readonly contract?: ClientContract;
}

export function planAccess(access: GrantedAccess, namespace: string, options: AccessPlanOptions = {}): AccessPlan {
  const fallbacks: string[] = [];
  const unwatched = ['pods', 'configmaps', 'services', 'secrets', 'deployments'].filter(
    (resource) => !access.allows({ verb: 'watch', group: resource === 'deployments' ? 'apps' : '', resource }),
  );
  if (unwatched.length > 0)
    fallbacks.push(
      `no watch on ${unwatched.join(', ')}: read from the API, waits rechecked every ${UNWATCHED_RECHECK_MS} ms`,
    );

  const leaseVerbs = (group: string, resource: string) =>
    ['get', 'create', 'update'].every((verb) => access.allows({ verb, group, resource }));
  const leaderLock: AccessPlan['leaderLock'] = leaseVerbs('coordination.k8s.io', 'leases')
    ? 'Lease'
    : leaseVerbs('', 'configmaps')
      ? 'ConfigMap'
      : 'none';
  if (leaderLock === 'ConfigMap') fallbacks.push('no Leases: leader election on a ConfigMap lock');

  const statusWrites: StatusWrites = access.allows({
    verb: 'patch',
    group: 'gefyra.dev',
    resource: 'interceptrequests/status',
  })
    ? 'subresource'
    : 'annotation';
  if (statusWrites === 'annotation')
    fallbacks.push(
      'no interceptrequests/status: progress kept in an annotation, outcome reported by `established` and Events',
    );

  const crdReadable = access.allows({ verb: 'get', ...CRD, name: INTERCEPT_REQUEST_CRD_NAME });
  if (!crdReadable) fallbacks.push('no get on customresourcedefinitions: the CRD is registered by create, then patch');

  if (!access.allows({ verb: 'create', ...REVIEWS })) {
    fallbacks.push(
      'no subjectaccessreviews: requesters are not reviewed (GEFYRA_REQUESTER_REVIEW=required refuses their requests instead)',
    );
  }

  const contract = options.contract ?? FALLBACK_CONTRACT.contract;
  const optional = contract.interceptRequestsOptional;
  const required = requiredPermissions(namespace, contract);
  const interceptRequests = access.missing(required.filter(isOnInterceptRequests)).length === 0;
  if (!interceptRequests && optional)
    fallbacks.push('no rights on interceptrequests: InterceptRequests are not served');
  const missing = access.missing(
    optional ? required.filter((permission) => !isOnInterceptRequests(permission)) : required,
  );
  if (!crdReadable) missing.push(...access.missing(['create', 'patch'].map((verb) => ({ verb, ...CRD }))));
  return {
    canWatch: (spec) => access.canWatch(spec),
    recheckMs: UNWATCHED_RECHECK_MS,
    leaderLock,
    statusWrites,
    crdReadable,
    missing,
    interceptRequests,
    fallbacks,
  };
}

const isOnInterceptRequests = (permission: Permission): boolean => permission.resource === 'interceptrequests';

/** The plan under the full deploy/ RBAC (and for credentials whose rules cannot be learned). */
export const fullAccessPlan = (namespace: string): AccessPlan => planAccess(GrantedAccess.everything(), namespace);

/**
 * What deploy/ grants, less what has a stand-in: watches (reads and
 * rechecks), Leases (a ConfigMap lock), the status subresource (an
 * annotation), the CRD's `get` (create, then patch), the requester review
 * (skipped, see the intercept policy) and the rules limited to names, which
 * only the reset uses.
 */
function requiredPermissions(namespace: string, contract: ClientContract): Permission[] {
  const rules = contract
    .manifests({ namespace, image: DEFAULT_OPERATOR_IMAGE })
    // The operator's own roles (an install may also have a webhook's and the developers').
    .filter(
      (manifest) =>
        (manifest.kind === 'ClusterRole' || manifest.kind === 'Role') && manifest.metadata.name === OPERATOR_ROLE,
    )
    .flatMap(
      (manifest) =>
        manifest['rules'] as { apiGroups: string[]; resources: string[]; verbs: string[]; resourceNames?: string[] }[],
    );
  const permissions = rules
    .filter((rule) => rule.resourceNames === undefined)
    .flatMap((rule) =>
      rule.apiGroups.flatMap((group) =>
        rule.resources.flatMap((resource) => rule.verbs.map((verb) => ({ verb, group, resource }))),
      ),
    );
  const needed = permissions.filter(
    ({ verb, group, resource }) =>
      !(verb === 'watch' && resource !== 'interceptrequests') &&
      group !== 'coordination.k8s.io' &&
      resource !== 'interceptrequests/status' &&
      resource !== REVIEWS.resource,
  );
  // The tunnel's rights in its namespace may repeat the carrier's everywhere: each is needed once.
  return needed.filter(
    (permission, index) =>
      needed.findIndex(
        (other) =>
          other.verb === permission.verb && other.group === permission.group && other.resource === permission.resource,
      ) === index,
  );
}

import type { WatchSpec } from '../runtime/watch-source.js';

/** One rule of a SelfSubjectRulesReview's `resourceRules`. */
export interface ResourceRule {
  readonly verbs: readonly string[];
  readonly apiGroups?: readonly string[];
  readonly resources?: readonly string[];
  readonly resourceNames?: readonly string[];
}

/** A permission as RBAC names it: `create` on `apps` `deployments`. */
export interface Permission {
  readonly verb: string;
  readonly group: string;
  /** Plural, with `/subresource` when it is one: `interceptrequests/status`. */
  readonly resource: string;
  /** One object by name; rules limited to `resourceNames` grant only those. */
  readonly name?: string;
}

export const describePermission = ({ verb, group, resource, name }: Permission): string =>
  `${verb} ${group === '' ? '' : `${group}/`}${resource}${name === undefined ? '' : ` "${name}"`}`;

/**
 * What the operator's credentials may do, learned once at start from a
 * SelfSubjectRulesReview in its namespace (which includes what its
 * ClusterRoles grant there). A rule limited to `resourceNames` answers only
 * for a permission on one of those names. `everything` stands for credentials whose rules could not
 * be learned: the operator then behaves as it does under the full deploy/ RBAC.
 */
export class GrantedAccess {
  readonly #rules: readonly ResourceRule[] | undefined;

  private constructor(rules: readonly ResourceRule[] | undefined) {
    this.#rules = rules;
  }

  static fromRules(rules: readonly ResourceRule[]): GrantedAccess {
    return new GrantedAccess(rules);
  }

  static everything(): GrantedAccess {
    return new GrantedAccess(undefined);
  }

  allows({ verb, group, resource, name }: Permission): boolean {
    if (this.#rules === undefined) return true;
    const base = resource.split('/')[0] as string;
    return this.#rules.some(
      (rule) =>
        ((rule.resourceNames ?? []).length === 0 ||
          (name !== undefined && (rule.resourceNames ?? []).includes(name))) &&
        matches(rule.verbs, verb) &&
        matches(rule.apiGroups ?? [], group) &&
        (rule.resources ?? []).some(
          (granted) => granted === '*' || granted === resource || (resource.includes('/') && granted === `${base}/*`),
        ),
    );
  }

  /** The permissions of the list that are not granted. */
  missing(permissions: readonly Permission[]): Permission[] {
    return permissions.filter((permission) => !this.allows(permission));
  }

  /** Whether a watch of this spec (its list and its watch) is allowed. */
  canWatch(spec: WatchSpec): boolean {
    const resource = resourceOf(spec);
    return (
      resource !== undefined &&
      this.allows({ verb: 'watch', ...resource }) &&
      this.allows({ verb: 'list', ...resource })
    );
  }
}

const matches = (granted: readonly string[], wanted: string): boolean =>
  granted.includes('*') || granted.includes(wanted);

/** The kinds the operator watches, by the RBAC names of their resources. */
const RESOURCES: Readonly<Record<string, { group: string; resource: string }>> = {
  'v1/Pod': { group: '', resource: 'pods' },
  'v1/ConfigMap': { group: '', resource: 'configmaps' },
  'v1/Service': { group: '', resource: 'services' },
  'v1/Secret': { group: '', resource: 'secrets' },
  'v1/Event': { group: '', resource: 'events' },
  'apps/v1/Deployment': { group: 'apps', resource: 'deployments' },
  'apps/v1/StatefulSet': { group: 'apps', resource: 'statefulsets' },
  'coordination.k8s.io/v1/Lease': { group: 'coordination.k8s.io', resource: 'leases' },
  'gefyra.dev/v1/InterceptRequest': { group: 'gefyra.dev', resource: 'interceptrequests' },
  // Gefyra 2's kinds are lowercase, as its client creates them.
  'gefyra.dev/v1/gefyraclient': { group: 'gefyra.dev', resource: 'gefyraclients' },
  'gefyra.dev/v1/gefyrabridge': { group: 'gefyra.dev', resource: 'gefyrabridges' },
  'gefyra.dev/v1/gefyrabridgemount': { group: 'gefyra.dev', resource: 'gefyrabridgemounts' },
};

function resourceOf(spec: { apiVersion: string; kind: string }): { group: string; resource: string } | undefined {
  return RESOURCES[`${spec.apiVersion}/${spec.kind}`];
}

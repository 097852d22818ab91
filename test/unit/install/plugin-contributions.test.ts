import { describe, expect, it } from 'vitest';
import { installManifests } from '../../../src/install/install-manifests.js';
import { carrierPlugin } from '../../../src/plugins/carrier/carrier.plugin.js';
import type { OperatorPlugin, RbacRule } from '../../../src/plugins/plugin.js';
import { stowawayPlugin } from '../../../src/plugins/stowaway/stowaway.plugin.js';

const rulesOf = (kind: 'ClusterRole' | 'Role', plugins?: readonly OperatorPlugin[]): RbacRule[] =>
  installManifests({ namespace: 'gefyra', image: 'x', ...(plugins ? { plugins } : {}) }).find(
    (manifest) => manifest.kind === kind,
  )?.['rules'] as RbacRule[];

const verbsOn = (rules: readonly RbacRule[], resource: string): string[] =>
  rules
    .filter((rule) => rule.resources.includes(resource) && rule.resourceNames === undefined)
    .flatMap((rule) => rule.verbs);

describe('install manifests: what plugins contribute', () => {
  it("grants the carrier's rights on pods everywhere only because the carrier plugin asks for them", () => {
    expect(verbsOn(rulesOf('ClusterRole', [stowawayPlugin]), 'pods')).toEqual(['get', 'list', 'watch']);
    expect(verbsOn(rulesOf('ClusterRole', [stowawayPlugin]), 'pods/exec')).toEqual([]);
    expect(verbsOn(rulesOf('ClusterRole', [stowawayPlugin, carrierPlugin]), 'pods')).toEqual([
      'get',
      'list',
      'watch',
      'patch',
    ]);
    expect(verbsOn(rulesOf('ClusterRole', [stowawayPlugin, carrierPlugin]), 'pods/exec')).toEqual(['get', 'create']);
  });

  it("keeps the tunnel's rights in the operator's namespace, whichever carrier is loaded", () => {
    const role = rulesOf('Role', [stowawayPlugin]);
    expect(verbsOn(role, 'deployments')).toEqual(['get', 'list', 'watch', 'create', 'patch', 'delete']);
    expect(verbsOn(role, 'pods/exec')).toEqual(['get', 'create']);
    expect(verbsOn(rulesOf('Role', [carrierPlugin]), 'deployments')).toEqual([]);
  });

  it('merges a third-party rule into the core rule on the same resource, and appends new resources', () => {
    const sidecar: OperatorPlugin = {
      ...carrierPlugin,
      name: 'sidecar',
      rbac: {
        cluster: [
          { apiGroups: [''], resources: ['pods'], verbs: ['patch', 'update'] },
          { apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'] },
        ],
      },
    };
    const rules = rulesOf('ClusterRole', [stowawayPlugin, sidecar]);
    expect(rules.filter((rule) => rule.resources.includes('pods'))).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch', 'update'] },
    ]);
    expect(rules.at(-1)).toEqual({ apiGroups: [''], resources: ['pods/ephemeralcontainers'], verbs: ['patch'] });
  });

  it("gives the Deployment each product's settings only through its plugin", () => {
    const variables = (plugins: readonly OperatorPlugin[]) =>
      (
        installManifests({ namespace: 'gefyra', image: 'x', plugins }).find(
          (manifest) => manifest.kind === 'Deployment',
        ) as unknown as {
          spec: { template: { spec: { containers: { env: { name: string }[] }[] } } };
        }
      ).spec.template.spec.containers[0]!.env.map((entry) => entry.name);
    expect(variables([carrierPlugin]).filter((name) => /STOWAWAY|CARRIER/.test(name))).toEqual([
      'GEFYRA_CARRIER_STARTUP_TIMEOUT',
    ]);
    expect(variables([stowawayPlugin, carrierPlugin]).filter((name) => /STOWAWAY|CARRIER/.test(name))).toEqual([
      'GEFYRA_STOWAWAY_SERVERPORT',
      'GEFYRA_STOWAWAY_STARTUP_TIMEOUT',
      'GEFYRA_CARRIER_STARTUP_TIMEOUT',
    ]);
  });

  it('defaults to the built-in plugins (what deploy/ holds)', () => {
    expect(rulesOf('ClusterRole')).toEqual(rulesOf('ClusterRole', [stowawayPlugin, carrierPlugin]));
  });
});

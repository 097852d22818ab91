import { CoreV1Api } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { REQUESTERS_NOT_STAMPED_REASON } from '../../src/composition/requester-webhook.js';
import { waitForGone } from './support/cluster-waits.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import { componentRefs, type OperatorEventView } from './support/gefyra-state.js';
import { installOperatorAccess } from './support/operator-access.js';
import { startOperatorProcess, type OperatorProcess } from './support/operator-process.js';

const never = new AbortController().signal;

// Scenario 2 of issue 4: every start-up problem of the seed is reported as a
// Warning Event on the operator's Deployment and in the log, and /readyz
// stays 503 while it lasts. One operator process per problem; each test starts
// from the bare installation (its operator is stopped and Gefyra's components
// removed after it), so they pass alone and in any order.
describe('start-up problems', () => {
  const env = useE2eEnvironment({ freshComponents: true });
  const refs = componentRefs();

  /** Waits for the operator's Warning with this reason and checks how it is reported. */
  async function expectReported(operator: OperatorProcess, reason: string): Promise<OperatorEventView> {
    const event = await env
      .state()
      .waitForEvent(
        (candidate) => candidate.reason === reason && candidate.reportingInstance === operator.identity,
        `a ${reason} Event`,
      );
    expect(event).toMatchObject({
      type: 'Warning',
      reportingController: 'gefyra.dev/operator',
      regarding: { kind: 'Deployment', name: 'gefyra-operator', namespace: 'gefyra' },
    });
    const logged = await operator.waitForLog((line) => line.msg === 'init phase blocked' && line['reason'] === reason, {
      what: `the ${reason} log line`,
    });
    expect(logged['problem']).toBe(event.note);
    expect(await operator.readyz()).toBe(503);
    expect(await env.state().coreEvents('Gefyra-Ready')).toEqual([]);
    return event;
  }

  it('the node port is held by another Service: names it, installs no Stowaway', async () => {
    const other = await env.testNamespace('holder');
    const core = env.admin().makeApiClient(CoreV1Api);
    await core.createNamespacedService({
      namespace: other,
      body: {
        metadata: { name: 'vpn' },
        spec: { type: 'NodePort', ports: [{ port: 51820, protocol: 'UDP', nodePort: 31820 }] },
      },
    });
    // The namespace is deleted without waiting: the Service, holding the port, must be gone before the next test.
    env.cleanup(async () => {
      await core.deleteNamespacedService({ namespace: other, name: 'vpn' });
      await waitForGone(env.admin(), { apiVersion: 'v1', kind: 'Service', namespace: other, name: 'vpn' });
    });
    const operator = await env.startOperator();
    const event = await expectReported(operator, 'NodePortInUse');
    expect(event.note).toMatch(
      new RegExp(`node port 31820 is already used by Service ${other}/vpn.*GEFYRA_STOWAWAY_SERVERPORT`),
    );
    expect(await env.state().find(refs['deployment']!)).toBeUndefined();
    expect(await env.state().find(refs['wireguard']!)).toBeUndefined();
  });

  it("Stowaway's image cannot be pulled: TunnelNotReady with the pull error once the start-up time is up", async () => {
    // Undone once the operator is stopped; its Deployment is then removed with the other components.
    env.cleanup(env.node.failImagePull('quay.io/gefyra/stowaway'));
    const operator = await env.startOperator({ env: { GEFYRA_STOWAWAY_STARTUP_TIMEOUT: '3' } });
    const event = await expectReported(operator, 'TunnelNotReady');
    expect(event.note).toMatch(/Stowaway did not become ready within 3s: .*(ErrImagePull|ImagePullBackOff)/);
    expect(operator.logs.some((line) => line.msg === 'init phase waiting')).toBe(true);
  });

  it('insufficient privileges: InsufficientPrivileges names the verb and resource refused', async () => {
    const limited = await installOperatorAccess(env.controlPlane, {
      name: 'gefyra-operator-limited',
      editRules: (kind, rules) =>
        kind === 'Role' ? rules.filter((rule) => !rule.resources.includes('deployments')) : rules,
    });
    env.cleanup(async () => {
      for (const kind of ['ClusterRoleBinding', 'ClusterRole']) {
        await env.state().api.remove({ apiVersion: 'rbac.authorization.k8s.io/v1', kind, name: limited.name }, never);
      }
    });
    const operator = await startOperatorProcess({
      kubeconfigPath: limited.kubeconfigPath,
      env: { GEFYRA_OPERATOR_CLUSTER_ROLE: limited.name },
    });
    const event = await expectReported(operator, 'InsufficientPrivileges');
    expect(event.note).toMatch(/cannot (get|patch|create) resource "deployments" in API group "apps"/);
    expect(event.note).toContain(limited.username);
    expect(await env.state().find(refs['deployment']!)).toBeUndefined();
  });

  it('objects already present are adopted and brought to the desired state', async () => {
    const core = env.admin().makeApiClient(CoreV1Api);
    const squatter = await core.createNamespacedService({
      namespace: 'gefyra',
      body: {
        metadata: { name: 'gefyra-stowaway-rsync' },
        spec: { selector: { app: 'something-else' }, ports: [{ port: 1, protocol: 'TCP' }] },
      },
    });
    expect(squatter.spec?.clusterIP).not.toBe('None');

    const operator = await env.startOperator();
    await operator.ready({ what: 'the init phase to complete' });

    const rsync = await env.state().find(refs['rsync']!);
    expect(rsync?.['spec']).toMatchObject({
      clusterIP: 'None',
      selector: { app: 'stowaway' },
      ports: [{ port: 10873, protocol: 'TCP' }],
    });
    expect(rsync?.['spec']).not.toMatchObject({
      ports: expect.arrayContaining([expect.objectContaining({ port: 1 })]),
    });
    // The test's operators serve no requester webhook, and say so (RequestersNotStamped): no other warning.
    const warnings = (await env.state().events()).filter(
      (event) => event.reportingInstance === operator.identity && event.type === 'Warning',
    );
    expect(warnings.filter((event) => event.reason !== REQUESTERS_NOT_STAMPED_REASON)).toEqual([]);
    expect(await env.state().coreEvents('Gefyra-Ready')).toHaveLength(1);
  });
});

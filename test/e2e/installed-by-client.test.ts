import { describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../src/crd/intercept-request-crd.js';
import { DEFAULT_OPERATOR_IMAGE } from '../../src/install/install-manifests.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { httpGet, pollUntil } from '../support/control-plane/polling.js';
import {
  CLIENT_CLUSTER_ROLE_RULES,
  CLIENT_OPERATOR_ENV,
  installAsClient,
  removeAsClient,
} from './support/client-installation.js';
import { recordObjects } from './support/cluster-waits.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  postInterceptRequest,
  waitForEstablished,
} from './support/intercept-requests.js';
import { clientBridgeBody } from '../support/intercept-request-fixtures.js';
import { CLIENT_NETWORK } from '../support/client-network.js';
import { OPERATOR_NAMESPACE, removeOperatorInstallation } from './support/operator-access.js';
import { startOperatorProcess } from './support/operator-process.js';
import { createTargetPod, readPod, runsImage } from './support/target-pods.js';

const never = new AbortController().signal;
/** The file's first operator start loads the sources through tsx: on a busy machine that takes longer than the default 30 s. */
const FIRST_START_MS = 120_000;
const CARRIER = /^quay\.io\/gefyra\/carrier:/;

// Issue 9: the operator installed the way `gefyra up` (0.13) installs it, with
// exactly the client's ClusterRole (no watch on core and apps kinds, no
// Leases, no `get` on CRDs, no status subresource) and its five variables,
// driven through the client's whole flow, up to `gefyra down`. Each test
// installs as the client and its clean-up removes what is left once its
// operator is stopped, so each passes alone and in any order.
describe('installed by the Gefyra 0.13 client', () => {
  const env = useE2eEnvironment({ install: false });
  /** Only after a failure is something left: the client's names, not deploy/'s. */
  const removeClientInstallation = async () =>
    await removeOperatorInstallation(env.controlPlane, {
      names: ['gefyra-operator-role', 'gefyra-operator-rolebinding'],
    });

  it('serves up, bridge, unbridge and down under the client RBAC, leaving nothing behind and logging no forbidden request', async () => {
    env.cleanup(removeClientInstallation);
    const shop = await env.testNamespace('shop');
    const admin = env.admin();
    const api = new KubernetesClusterApi(admin, 'gefyra-e2e-admin');
    const installation = await installAsClient(env.controlPlane, OPERATOR_NAMESPACE, DEFAULT_OPERATOR_IMAGE);
    const events = recordObjects(admin, { apiVersion: 'v1', kind: 'Event', namespace: OPERATOR_NAMESPACE });
    try {
      await events.synced;
      // The client's variables and nothing else (the test harness adds only its health port and identity).
      const operator = await startOperatorProcess({
        kubeconfigPath: installation.kubeconfigPath,
        env: CLIENT_OPERATOR_ENV,
        startTimeoutMs: FIRST_START_MS,
      });

      // `gefyra up`: waits for Gefyra-Ready on a core/v1 Event watch, then reads the Secret.
      await untilSeen(events.seen, 'Gefyra-Ready');
      const secret = await api.find(
        { apiVersion: 'v1', kind: 'Secret', namespace: OPERATOR_NAMESPACE, name: 'gefyra-cargo-connection' },
        never,
      );
      expect(Object.keys((secret?.['data'] as Record<string, string> | undefined) ?? {})).toContain('Peer.Endpoint');

      // `gefyra bridge` and `unbridge`, to the app container in the Docker network `gefyra up` passed, under the default destination policy.
      expect(CLIENT_OPERATOR_ENV).not.toHaveProperty('GEFYRA_DESTINATION_SUBNETS');
      const target = { namespace: shop, pod: 'web-6c8f7b9d5-klmno', container: 'web' };
      await createTargetPod(admin, env.node, { namespace: shop, name: target.pod });
      const created = await postInterceptRequest(admin, clientBridgeBody(target, { kind: 'pod', name: target.pod }));
      expect(created['destinationIP']).toBe(CLIENT_NETWORK.appAddress);
      const name = created.metadata.name;
      const established = await waitForEstablished(admin, name);
      expect(established['established']).toBe(true);
      expect(runsImage(await readPod(admin, shop, target.pod), 'web', CARRIER)).toBe(true);
      await deleteInterceptRequest(admin, name);

      // A destination outside the client's network (and the tunnel's) is refused, with the allowed subnets named
      // (under the client's role, without interceptrequests/status, the refusal is told by an Event).
      const elsewhere = { ...target, container: 'sidecar' };
      await createInterceptRequest(admin, elsewhere, { destinationIP: '172.19.0.3' });
      await untilSeen(events.seen, 'DestinationNotAllowed');
      const refusal = events.seen.find((event) => event['reason'] === 'DestinationNotAllowed');
      expect(refusal?.['involvedObject']).toMatchObject({
        kind: 'InterceptRequest',
        name: clientRequestName(elsewhere),
      });
      expect(refusal?.['message']).toContain(`(192.168.99.0/24, ${CLIENT_NETWORK.subnet})`);
      await deleteInterceptRequest(admin, clientRequestName(elsewhere));

      // `gefyra down`: Deployment, SIGTERM (the pod's end), the client's 5 s, then the RBAC and the namespace.
      let exit: Awaited<ReturnType<typeof operator.stop>> | undefined;
      await removeAsClient(env.controlPlane, OPERATOR_NAMESPACE, async () => {
        exit = await operator.stop(5000);
      });
      expect(exit).toEqual({ code: 0, signal: null });

      expect(
        await api.find(
          { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name: INTERCEPT_REQUEST_CRD_NAME },
          never,
        ),
      ).toBeUndefined();
      const managed = { 'app.kubernetes.io/managed-by': 'gefyra-operator' };
      for (const kind of [
        { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole' },
        { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding' },
        { apiVersion: 'v1', kind: 'Namespace' },
      ]) {
        expect(
          (await api.list(kind, undefined, managed, never)).map((object) => object.metadata.name),
          kind.kind,
        ).toEqual([]);
      }
      expect(runsImage(await readPod(admin, shop, target.pod), 'web', CARRIER)).toBe(false);
      const forbidden = operator.logs.filter((line) => /forbidden/i.test(JSON.stringify(line)));
      expect(forbidden).toEqual([]);
      expect(operator.stderr).not.toMatch(/forbidden/i);
    } finally {
      await events.stop();
    }
  }, 240_000);

  it('without a permission nothing stands in for, says at once what to grant: log, Event, /readyz', async () => {
    env.cleanup(removeClientInstallation);
    const admin = env.admin();
    const withoutExec = CLIENT_CLUSTER_ROLE_RULES.map((rule) => ({
      ...rule,
      resources: rule.resources.filter((resource) => resource !== 'pods/exec'),
    }));
    const installation = await installAsClient(
      env.controlPlane,
      OPERATOR_NAMESPACE,
      DEFAULT_OPERATOR_IMAGE,
      withoutExec,
    );
    const events = recordObjects(admin, { apiVersion: 'v1', kind: 'Event', namespace: OPERATOR_NAMESPACE });
    try {
      await events.synced;
      const operator = await startOperatorProcess({
        kubeconfigPath: installation.kubeconfigPath,
        env: CLIENT_OPERATOR_ENV,
      });
      const wanted = `User "${installation.username}" cannot get resource "pods/exec" in API group "" (nor create)`;
      const said = await operator.waitForLog(
        (line) => line.msg === 'init phase blocked' && line['reason'] === 'InsufficientPrivileges',
        { what: 'the missing permissions in the log' },
      );
      expect(said['problem']).toContain(wanted);
      await untilSeen(events.seen, 'InsufficientPrivileges');
      expect(events.seen.find((event) => event['reason'] === 'InsufficientPrivileges')?.['message']).toBe(
        said['problem'],
      );
      expect(await operator.readyz()).toBe(503);
      expect((await httpGet(`http://127.0.0.1:${operator.healthPort}/readyz`)).body).toContain(wanted);
      // Nothing was tried: no Stowaway, no forbidden request in the log.
      expect(events.seen.some((event) => event['reason'] === 'Gefyra-Ready')).toBe(false);
      expect(operator.logs.filter((line) => /forbidden/i.test(JSON.stringify(line)))).toEqual([]);
      await operator.stop();
    } finally {
      await events.stop();
      await removeAsClient(env.controlPlane, OPERATOR_NAMESPACE, async () => undefined);
    }
  });
});

/** Waits for an Event the recorder has seen (the client watches Events the same way). */
async function untilSeen(events: readonly Manifest[], reason: string): Promise<void> {
  await pollUntil(
    `a ${reason} Event`,
    async () => (events.some((event) => event['reason'] === reason) ? true : undefined),
    { timeoutMs: 60_000, intervalMs: 50 },
  );
}

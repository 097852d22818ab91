import { describe, expect, it } from 'vitest';
import { REQUESTERS_NOT_STAMPED_REASON } from '../../src/composition/requester-webhook.js';
import { DEFAULT_OPERATOR_IMAGE } from '../../src/install/install-manifests.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { httpGet, pollUntil } from '../support/control-plane/polling.js';
import { CLIENT_OPERATOR_ENV, installAsClient, removeAsClient } from './support/client-installation.js';
import { recordObjects } from './support/cluster-waits.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import { OPERATOR_NAMESPACE, removeOperatorInstallation } from './support/operator-access.js';
import { startOperatorProcess } from './support/operator-process.js';

/**
 * Issue 18, item 7, where the operator cannot close the confused deputy:
 * installed by the Gefyra 0.13 client, whose ClusterRole grants no webhook
 * configurations and whose Deployment turns no webhook on. It must say so,
 * with what an administrator does about it, at start (log), in /readyz's
 * body and in an Event on its Deployment.
 */
describe('installed by the Gefyra 0.13 client: requesters not stamped', () => {
  const env = useE2eEnvironment({ install: false });

  it('says at start, in /readyz and in an Event that requesters are not stamped, and what closes it', async () => {
    env.cleanup(
      async () =>
        await removeOperatorInstallation(env.controlPlane, {
          names: ['gefyra-operator-role', 'gefyra-operator-rolebinding'],
        }),
    );
    const admin = env.admin();
    const installation = await installAsClient(env.controlPlane, OPERATOR_NAMESPACE, DEFAULT_OPERATOR_IMAGE);
    const events = recordObjects(admin, { apiVersion: 'v1', kind: 'Event', namespace: OPERATOR_NAMESPACE });
    try {
      await events.synced;
      // A busy machine (tsx compiles the sources at start) can take longer than the harness's 30 s.
      const operator = await startOperatorProcess({
        kubeconfigPath: installation.kubeconfigPath,
        env: CLIENT_OPERATOR_ENV,
        startTimeoutMs: 120_000,
      });

      const said = await operator.waitForLog((line) => line['reason'] === REQUESTERS_NOT_STAMPED_REASON, {
        what: 'the open gap in the log',
      });
      expect(said['level']).toBe(40);
      const problem = String(said['problem']);
      expect(problem).toContain(`anyone who may create InterceptRequests in namespace ${OPERATOR_NAMESPACE}`);
      expect(problem).toContain('kubectl apply -k deploy/');
      expect(problem).toContain('MutatingWebhookConfiguration gefyra-operator-requester');
      expect(problem).toContain('GEFYRA_REQUESTER_WEBHOOK=on and GEFYRA_REQUESTER_REVIEW=required');

      await pollUntil(
        'the RequestersNotStamped Event',
        async () => (events.seen.some((event) => event['reason'] === REQUESTERS_NOT_STAMPED_REASON) ? true : undefined),
        {
          timeoutMs: 60_000,
          intervalMs: 50,
        },
      );
      const event = events.seen.find((candidate) => candidate['reason'] === REQUESTERS_NOT_STAMPED_REASON) as Manifest;
      expect(event).toMatchObject({
        type: 'Warning',
        message: problem,
        involvedObject: { kind: 'Deployment', name: 'gefyra-operator' },
      });

      await operator.ready({ what: 'the init phase to complete' });
      const readyz = await httpGet(`http://127.0.0.1:${operator.healthPort}/readyz`);
      expect(readyz.status).toBe(200);
      expect(readyz.body).toBe(`ok\nwarning: ${problem}\n`);
      await operator.stop();
    } finally {
      await events.stop();
      await removeAsClient(env.controlPlane, OPERATOR_NAMESPACE, async () => undefined);
    }
  }, 180_000);
});

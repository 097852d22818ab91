import type { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { silentLogger } from '../../src/adapters/system/pino-logger.js';
import { AdmissionServer } from '../../src/adapters/webhook/admission-server.js';
import { issueWebhookTls } from '../../src/adapters/webhook/webhook-certificate.js';
import { ensureStampKey, HmacRequesterStamps } from '../../src/adapters/webhook/requester-stamp-key.js';
import { REQUESTER_WEBHOOK_PATH, requesterWebhookNames } from '../../src/adapters/webhook/requester-webhook-names.js';
import { requesterStampHandlers } from '../../src/composition/requester-webhook.js';
import { requesterWebhook, requesterWebhookManifests } from '../../src/install/install-manifests.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { clientRequest } from '../support/intercept-request-fixtures.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import { statusOf, waitForEstablished, waitForPhase } from './support/intercept-requests.js';
import { OPERATOR_NAMESPACE } from './support/operator-access.js';
import type { OperatorProcess } from './support/operator-process.js';
import { admissionReview, postToWebhook } from '../support/admission-review.js';
import { createTargetPod, readPod, runsImage } from './support/target-pods.js';

const never = new AbortController().signal;
const RBAC = 'rbac.authorization.k8s.io/v1';
const TARGET_POD = 'payments-5f7d8c9b6-xyz12';
/** Where a real 0.13 client's app container lives (its Docker network), allowed explicitly so that only the review decides. */
const DESTINATION = { ip: '172.18.0.3', subnet: '172.18.0.0/16' };

/**
 * Issue 18, item 7, tried as a hostile user would with what deploy/ ships:
 * the requester-stamping webhook registered as deploy/ registers it (but by
 * URL on loopback: this control plane routes no Services), the operator
 * with deploy/'s RBAC and GEFYRA_REQUESTER_WEBHOOK=on, GEFYRA_REQUESTER_REVIEW=required,
 * and users authenticated by their ServiceAccount tokens. The hostile one
 * may only create InterceptRequests in the operator's namespace; the other
 * team's pod must keep its container whatever the request claims.
 */
describe('the confused deputy under deploy/', () => {
  const env = useE2eEnvironment({ freshComponents: true });
  const names = () => requesterWebhookNames(env.access().name);
  const configuration = () => ({
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    name: names().configuration,
  });
  let webhook: AdmissionServer | undefined;
  let hostile: { kubeConfig: KubeConfig; username: string };
  let teamDev: { kubeConfig: KubeConfig; username: string };
  let otherTeam: string;
  let operator: OperatorProcess;

  /** A ServiceAccount in the operator's namespace that may create InterceptRequests there and nothing else of ours. */
  async function requestingUser(name: string): Promise<{ kubeConfig: KubeConfig; username: string }> {
    const api = new KubernetesClusterApi(env.admin(), 'gefyra-e2e-admin');
    const namespace = OPERATOR_NAMESPACE;
    await api.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } }, never);
    await api.create(
      {
        apiVersion: RBAC,
        kind: 'Role',
        metadata: { name, namespace },
        rules: [{ apiGroups: ['gefyra.dev'], resources: ['interceptrequests'], verbs: ['create', 'get', 'list'] }],
      },
      never,
    );
    await api.create(
      {
        apiVersion: RBAC,
        kind: 'RoleBinding',
        metadata: { name, namespace },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects: [{ kind: 'ServiceAccount', name, namespace }],
      },
      never,
    );
    return await env.controlPlane.serviceAccountKubeConfig(namespace, name);
  }

  beforeAll(async () => {
    const admin = new KubernetesClusterApi(env.admin(), 'gefyra-e2e-admin');
    // The key the operator will read; made here first so that the webhook of this test signs with it.
    const stamps = new HmacRequesterStamps(
      await ensureStampKey(admin, { namespace: OPERATOR_NAMESPACE, secretName: names().keySecret }, never),
    );
    const tls = await issueWebhookTls('127.0.0.1', new Date(), 86_400_000);
    webhook = new AdmissionServer({
      tls,
      handlers: requesterStampHandlers(stamps),
      onHealthCheck: async () => undefined,
      logger: silentLogger,
    });
    const port = await webhook.listen(0, '127.0.0.1');
    const shipped = requesterWebhookManifests(OPERATOR_NAMESPACE, env.access().name).find(
      (manifest) => manifest.kind === 'MutatingWebhookConfiguration',
    ) as Manifest;
    const url = `https://127.0.0.1:${port}${REQUESTER_WEBHOOK_PATH}`;
    await admin.create(
      { ...shipped, webhooks: [requesterWebhook({ url, caBundle: Buffer.from(tls.caCert).toString('base64') })] },
      never,
    );
    hostile = await requestingUser('hostile');
    teamDev = await requestingUser('team-dev');
  }, 120_000);

  afterAll(async () => {
    // Before anything else: a configuration whose webhook is gone would refuse every InterceptRequest of the next files.
    await new KubernetesClusterApi(env.admin(), 'gefyra-e2e-admin').remove(configuration(), never);
    await webhook?.close();
  });

  beforeEach(async () => {
    otherTeam = await env.testNamespace('other-team');
    await createTargetPod(env.admin(), env.node, { namespace: otherTeam, name: TARGET_POD });
    operator = await env.startOperator({
      // A busy machine (tsx compiles the sources at start) can take longer than the harness's 30 s.
      startTimeoutMs: 120_000,
      env: {
        GEFYRA_REQUESTER_WEBHOOK: 'on',
        GEFYRA_REQUESTER_WEBHOOK_PORT: '0',
        GEFYRA_REQUESTER_REVIEW: 'required',
        GEFYRA_DESTINATION_SUBNETS: DESTINATION.subnet,
      },
    });
    await operator.ready({ what: 'the init phase to complete' });
  }, 240_000);

  const requestFor = (name: string, annotations?: Record<string, string>): Manifest => {
    const object = clientRequest(
      { targetNamespace: otherTeam, targetPod: TARGET_POD, targetContainer: 'web', destinationIP: DESTINATION.ip },
      { name, namespace: OPERATOR_NAMESPACE },
    );
    return {
      ...object,
      metadata: { ...(object['metadata'] as object), ...(annotations ? { annotations } : {}) },
    } as unknown as Manifest;
  };
  const annotationsOf = (request: Manifest) =>
    (request.metadata as { annotations?: Record<string, string> }).annotations ?? {};

  it.each([
    ['no requester annotation', undefined],
    ["someone else's name", { 'gefyra.dev/requester': 'system:serviceaccount:gefyra:team-dev' }],
    [
      'forged groups',
      {
        'gefyra.dev/requester': 'system:serviceaccount:gefyra:hostile',
        'gefyra.dev/requester-groups': 'system:masters',
      },
    ],
  ])(
    "with %s, is stamped as who sent it, refused, and the other team's pod keeps its container",
    async (label, annotations) => {
      const name = `hostile-${label.split(' ')[0]!.replace(/\W/g, '')}`;
      const created = await new KubernetesClusterApi(hostile.kubeConfig, 'hostile').create(
        requestFor(name, annotations),
        never,
      );

      expect(annotationsOf(created)).toMatchObject({
        'gefyra.dev/requester': hostile.username,
        'gefyra.dev/requester-groups': `system:serviceaccounts,system:serviceaccounts:${OPERATOR_NAMESPACE},system:authenticated`,
        'gefyra.dev/requester-stamp': expect.stringMatching(/^v1\./),
      });
      const refused = await waitForPhase(env.admin(), name, 'Failed');
      expect(statusOf(refused)).toMatchObject({
        reason: 'RequesterNotAuthorized',
        message: `${hostile.username} may not patch pods in namespace ${otherTeam}; an intercept needs both`,
      });
      const pod = await readPod(env.admin(), otherTeam, TARGET_POD);
      expect(runsImage(pod, 'web', 'shop/web:1.0')).toBe(true);
    },
    120_000,
  );

  it('keeps the stamp when someone rewrites the annotations, and establishes the intercept of a user who may patch and exec there', async () => {
    const admin = new KubernetesClusterApi(env.admin(), 'gefyra-e2e-admin');
    await admin.create(
      {
        apiVersion: RBAC,
        kind: 'Role',
        metadata: { name: 'team-dev-intercepts', namespace: otherTeam },
        rules: [
          { apiGroups: [''], resources: ['pods'], verbs: ['patch'] },
          { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
        ],
      },
      never,
    );
    await admin.create(
      {
        apiVersion: RBAC,
        kind: 'RoleBinding',
        metadata: { name: 'team-dev-intercepts', namespace: otherTeam },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'team-dev-intercepts' },
        subjects: [{ kind: 'ServiceAccount', name: 'team-dev', namespace: OPERATOR_NAMESPACE }],
      },
      never,
    );
    const name = 'team-dev-to-payments';
    const created = await new KubernetesClusterApi(teamDev.kubeConfig, 'team-dev').create(requestFor(name), never);
    expect(annotationsOf(created)['gefyra.dev/requester']).toBe(teamDev.username);

    // An UPDATE (here by an administrator) cannot move the stamp to another name: the stored one is kept.
    const ref = { apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', namespace: OPERATOR_NAMESPACE, name };
    const rewritten = await admin.patch(
      ref,
      {
        metadata: {
          annotations: { 'gefyra.dev/requester': 'system:admin', 'gefyra.dev/requester-groups': 'system:masters' },
        },
      },
      never,
    );
    expect(annotationsOf(rewritten)).toMatchObject({
      'gefyra.dev/requester': teamDev.username,
      'gefyra.dev/requester-stamp': annotationsOf(created)['gefyra.dev/requester-stamp'],
    });

    // The operator's own writes (finalizer, established, status) pass the webhook and keep the stamp.
    const established = await waitForEstablished(env.admin(), name);
    expect(annotationsOf(established)['gefyra.dev/requester']).toBe(teamDev.username);
    expect(runsImage(await readPod(env.admin(), otherTeam, TARGET_POD), 'web', /^quay\.io\/gefyra\/carrier:/)).toBe(
      true,
    );
  }, 120_000);

  it("is what the operator's own pods serve, with the installation's key and a certificate for its Service", async () => {
    const serving = await operator.waitForLog((line) => line.msg === 'admission webhook serving', {
      what: 'the requester webhook serving',
    });
    const secret = await new KubernetesClusterApi(env.admin(), 'gefyra-e2e-admin').find(
      { apiVersion: 'v1', kind: 'Secret', namespace: OPERATOR_NAMESPACE, name: names().tlsSecret },
      never,
    );
    const ca = Buffer.from(((secret?.['data'] ?? {}) as Record<string, string>)['ca.crt'] ?? '', 'base64').toString();
    const review = admissionReview('CREATE', requestFor('served-by-operator') as unknown as Record<string, unknown>);
    const body = {
      ...review,
      request: {
        ...review.request,
        kind: { group: 'gefyra.dev', version: 'v1', kind: 'InterceptRequest' },
        userInfo: { username: hostile.username, groups: ['system:authenticated'] },
      },
    };

    const answer = await postToWebhook(Number(serving['port']), REQUESTER_WEBHOOK_PATH, body, {
      ca,
      servername: `${names().service}.${OPERATOR_NAMESPACE}.svc`,
    });

    expect(answer.review?.response).toMatchObject({ allowed: true, patchType: 'JSONPatch' });
    const [added] = JSON.parse(Buffer.from(answer.review?.response?.patch ?? '', 'base64').toString()) as {
      value: Record<string, string>;
    }[];
    const key = await ensureStampKey(
      new KubernetesClusterApi(env.admin(), 'gefyra-e2e-admin'),
      { namespace: OPERATOR_NAMESPACE, secretName: names().keySecret },
      never,
    );
    const subject = {
      kind: 'InterceptRequest',
      namespace: OPERATOR_NAMESPACE,
      name: 'served-by-operator',
      user: hostile.username,
      groups: ['system:authenticated'],
    };
    expect(added?.value).toEqual({
      'gefyra.dev/requester': hostile.username,
      'gefyra.dev/requester-groups': 'system:authenticated',
      'gefyra.dev/requester-stamp': new HmacRequesterStamps(key).sign(subject),
    });
  }, 120_000);
});

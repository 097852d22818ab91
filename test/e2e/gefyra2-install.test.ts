import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterClientNotifier } from '../../src/adapters/kubernetes/cluster-stores/cluster-client-notifier.js';
import { registerGefyra2Crds } from '../../src/plugins/gefyra2/adapters/gefyra2-crd-registration.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { silentLogger } from '../../src/adapters/system/pino-logger.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { startGefyra2Webhook, WEBHOOK_READY_REASON } from '../../src/plugins/gefyra2/adapters/gefyra2-webhook.js';
import type { RunningWebhook } from '../../src/adapters/webhook/webhook-runner.js';
import { GEFYRA2_CRD_NAMES } from '../../src/plugins/gefyra2/install/gefyra2-crds.js';
import { gefyra2InstallManifests } from '../../src/plugins/gefyra2/install/gefyra2-manifests.js';
import { loadWebhookSettings } from '../../src/plugins/gefyra2/webhook-settings.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { admissionReview, HEALTH_CHECK_BODY, postToWebhook } from '../support/admission-review.js';
import { handshake } from '../support/tls-handshake.js';
import { useControlPlane, useTestNamespace } from '../support/control-plane/vitest.js';
import { waitForObject } from './support/cluster-waits.js';
import { isEstablished } from './support/operator-access.js';
import { GEFYRA2_CLIENT_CLUSTER_ROLE_RULES } from '../support/gefyra2-client-cluster-role.js';
import { never } from '../integration/kubernetes/fixtures.js';
import { eventually } from '../support/waiting.js';
import { startOperatorProcess } from './support/operator-process.js';
import { microsecondsOf } from '../support/micro-time.js';
import { removeClusterObjects } from './support/cluster-cleanup.js';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildDist } from '../support/build-dist.js';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');

// Install parity with the Gefyra 2.5 client on the real API server, under the
// ClusterRole the client grants: the CRDs registered without get, objects
// defaulted and pruned as the client expects, the readiness Events it reads,
// and the webhook in-process on loopback answering over HTTPS with the CA it
// wrote into a ValidatingWebhookConfiguration, and as `gefyra-operator run`.
const controlPlane = useControlPlane();
const namespace = useTestNamespace('gefyra2');
const suffix = randomBytes(3).toString('hex');
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };
const RBAC = 'rbac.authorization.k8s.io/v1';
const ROLE = `gefyra2-client-operator-${suffix}`;
const VWC = {
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind: 'ValidatingWebhookConfiguration',
  name: `gefyra-dev-test-${suffix}`,
};
/** The client's published CA (a stand-in): what the configuration holds until the webhook replaces it. */
const PUBLISHED_CA_BUNDLE = Buffer.from('-----BEGIN CERTIFICATE-----\nR0VGWVJB\n-----END CERTIFICATE-----\n').toString(
  'base64',
);

const admin = () => new KubernetesClusterApi(controlPlane.adminKubeConfig());
// Everything the operator and its webhook do here, they do under the 2.5 client's ClusterRole.
let asClient: { api: KubernetesClusterApi; kubeconfigPath: string };
beforeAll(async () => {
  await admin().create(
    { apiVersion: RBAC, kind: 'ClusterRole', metadata: { name: ROLE }, rules: GEFYRA2_CLIENT_CLUSTER_ROLE_RULES },
    never,
  );
  await admin().create(
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'gefyra-operator', namespace: namespace.name } },
    never,
  );
  await admin().create(
    {
      apiVersion: RBAC,
      kind: 'ClusterRoleBinding',
      metadata: { name: ROLE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE },
      subjects: [{ kind: 'ServiceAccount', name: 'gefyra-operator', namespace: namespace.name }],
    },
    never,
  );
  const credentials = await controlPlane.serviceAccountKubeConfig(namespace.name, 'gefyra-operator');
  asClient = { api: new KubernetesClusterApi(credentials.kubeConfig), kubeconfigPath: credentials.kubeconfigPath };
  // Every test may need the kinds, in whatever order they run: registered here as the operator registers them.
  await registerGefyra2Crds(admin(), silentLogger, never);
  for (const name of GEFYRA2_CRD_NAMES)
    await waitForObject(controlPlane.adminKubeConfig(), { ...CRD, name }, isEstablished, {
      what: `CRD ${name} established`,
      timeoutMs: 30_000,
    });
});
// The CRDs are cluster-wide: the next file starts without them (their objects go with them).
afterAll(async () => {
  await removeClusterObjects(
    controlPlane.adminKubeConfig(),
    admin(),
    GEFYRA2_CRD_NAMES.map((name) => ({ ...CRD, name })),
  );
  for (const kind of ['ClusterRoleBinding', 'ClusterRole'])
    await admin().remove({ apiVersion: RBAC, kind, name: ROLE }, never);
});
const gefyraClient = (name: string, fields: Record<string, unknown> = {}): Manifest => ({
  apiVersion: 'gefyra.dev/v1',
  kind: 'gefyraclient',
  metadata: { name, namespace: namespace.name },
  provider: 'stowaway',
  ...fields,
});

describe('the operator configured for the 2.x contract', () => {
  it('registers the three CRDs at start (created, or updated where another test file made them: CRDs are cluster-wide)', async () => {
    const operator = await startOperatorProcess({
      kubeconfigPath: controlPlane.kubeconfigPath,
      env: { GEFYRA_CLIENT_CONTRACT: '2', GEFYRA_NAMESPACE: namespace.name, GEFYRA_LEADER_ELECTION: 'false' },
    });
    try {
      for (const name of GEFYRA2_CRD_NAMES) {
        await operator.waitForLog((line) => line.msg === 'registered the CRD' && line['crd'] === name, {
          timeoutMs: 30_000,
          what: `${name} registered`,
        });
        await waitForObject(controlPlane.adminKubeConfig(), { ...CRD, name }, isEstablished, {
          what: `CRD ${name} established`,
          timeoutMs: 30_000,
        });
      }
      expect(await operator.stop()).toMatchObject({ code: 0 });
    } finally {
      await operator.kill();
    }
  });
});

describe('Gefyra 2 CRDs registered by the operator', () => {
  it('registers them under the client role without get (409 on each: patch), and they are established', async () => {
    await registerGefyra2Crds(asClient.api, silentLogger, never);
    await registerGefyra2Crds(asClient.api, silentLogger, never);
    for (const name of GEFYRA2_CRD_NAMES) {
      const crd = await waitForObject(controlPlane.adminKubeConfig(), { ...CRD, name }, isEstablished, {
        what: `CRD ${name} established`,
        timeoutMs: 30_000,
      });
      const accepted = (crd?.['status'] as { acceptedNames?: { kind?: string; shortNames?: string[] } }).acceptedNames;
      expect(accepted?.kind).toBe(name.split('s.')[0]);
      expect(accepted?.shortNames?.[0]).toBe(`g${name.replace(/^gefyra|s\.gefyra\.dev$/g, '')}`);
    }
  });

  it('default state to REQUESTED, keep fields top-level and prune the unknown ones', async () => {
    const created = await eventually('the gefyraclient kind to be served', () =>
      admin().create(
        gefyraClient('dev-a', { providerParameter: {}, notAField: 'x', sunset: '2030-01-01T00:00:00Z' }),
        never,
      ),
    );
    expect(created).toMatchObject({
      kind: 'gefyraclient',
      state: 'REQUESTED',
      provider: 'stowaway',
      sunset: '2030-01-01T00:00:00Z',
    });
    expect(created['notAField']).toBeUndefined();
    expect(created['spec']).toBeUndefined();
    // The client writes providerParameter and sets it back to null; the operator writes state and providerConfig with plain patches.
    const ref = { apiVersion: 'gefyra.dev/v1', kind: 'gefyraclient', namespace: namespace.name, name: 'dev-a' };
    const active = await admin().patch(
      ref,
      {
        providerParameter: { subnet: '172.30.0.0/16' },
        state: 'ACTIVE',
        providerConfig: { 'Interface.Address': '192.168.99.2', 'Peer.Endpoint': ':31820' },
      },
      never,
    );
    // providerConfig's keys contain a dot (contract §3): the schema keeps them as they are.
    expect(active['providerConfig']).toEqual({ 'Interface.Address': '192.168.99.2', 'Peer.Endpoint': ':31820' });
    const disabled = await admin().patch(ref, { providerParameter: null, providerConfig: null }, never);
    expect(disabled).toMatchObject({ state: 'ACTIVE' });
    expect(disabled['providerParameter'] ?? null).toBeNull();
    const bridge = await admin().create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyrabridge',
        metadata: { name: 'b', namespace: namespace.name },
        portMappings: ['8080:80'],
        clusterEndpoint: { '80': 'svc:10000' },
      },
      never,
    );
    expect(bridge).toMatchObject({
      state: 'REQUESTED',
      portMappings: ['8080:80'],
      clusterEndpoint: { '80': 'svc:10000' },
    });
  });
});

describe('readiness Events as the 2.5 client reads them', () => {
  it('Gefyra-Ready is a core/v1 Event with an eventTime later than its creationTimestamp, and is withdrawn alone', async () => {
    const notifier = new ClusterClientNotifier(asClient.api, systemClock, namespace.name);
    await notifier.announceReady(never);
    const [ready] = await admin().list(
      { apiVersion: 'v1', kind: 'Event' },
      namespace.name,
      { 'gefyra.dev/signal': 'ready' },
      never,
    );
    expect(ready).toMatchObject({ reason: 'Gefyra-Ready', involvedObject: { name: 'gefyra-operator' } });
    expectEventTimeAfterCreation(ready);
  });
});

describe('the webhook (OP_MODE=webhook) in-process', () => {
  let webhook: RunningWebhook | undefined;
  const host = () => `gefyra-admission.${namespace.name}.svc`;
  const start = async () =>
    await startGefyra2Webhook({
      objects: asClient.api,
      clock: systemClock,
      logger: silentLogger,
      namespace: namespace.name,
      webhook: { ...loadWebhookSettings({}), port: 0, configuration: VWC.name },
      listenHost: '127.0.0.1',
    });
  const caBundleInConfiguration = async () => {
    const stored = await admin().find(VWC, never);
    return ((stored?.['webhooks'] ?? []) as { clientConfig: { caBundle?: string } }[]).map((entry) =>
      Buffer.from(entry.clientConfig.caBundle ?? '', 'base64').toString(),
    );
  };

  beforeAll(async () => {
    await admin().create(testConfiguration(), never);
    webhook = await start();
  });
  afterAll(async () => {
    await webhook?.stop();
    await admin().remove(VWC, never);
  });

  it('writes its own CA into the configuration and serves a certificate that verifies against it for the Service name', async () => {
    const [caBundle] = await caBundleInConfiguration();
    expect(caBundle).toBe(webhook!.caBundle);
    expect(caBundle).toContain('BEGIN CERTIFICATE');
    const answer = await postToWebhook(
      webhook!.port,
      '/client-parameters',
      admissionReview('CREATE', gefyraClient('dev-new')),
      { ca: caBundle!, servername: host() },
    );
    expect(answer.review?.response).toEqual({ uid: 'review-1', allowed: true });
  });

  it('denies a subnet another GefyraClient of the cluster holds with code 500, reading the real objects', async () => {
    await admin().create(gefyraClient('dev-b'), never);
    await admin().patch(
      { apiVersion: 'gefyra.dev/v1', kind: 'gefyraclient', namespace: namespace.name, name: 'dev-b' },
      { providerParameter: { subnet: '10.77.0.0/16' } },
      never,
    );
    const [caBundle] = await caBundleInConfiguration();
    const waiting = { ...gefyraClient('dev-c'), state: 'WAITING' };
    const answer = await postToWebhook(
      webhook!.port,
      '/client-parameters',
      admissionReview('UPDATE', { ...waiting, providerParameter: { subnet: '10.77.0.0/24' } }, waiting),
      { ca: caBundle!, servername: host() },
    );
    expect(answer.review?.response).toEqual({
      uid: 'review-1',
      allowed: false,
      status: { code: 500, message: 'Subnet 10.77.0.0/24 overlaps 10.77.0.0/16 of GefyraClient dev-b: choose another' },
    });
  });

  it('answers the health POST 200 and posts Gefyra-Webhook-Ready once, with eventTime', async () => {
    const [caBundle] = await caBundleInConfiguration();
    const webhookReadyEvents = async () =>
      (await admin().list({ apiVersion: 'v1', kind: 'Event' }, namespace.name, undefined, never)).filter(
        (event) => event['reason'] === WEBHOOK_READY_REASON,
      );
    // Another webhook of this file may have posted its own already: this one's is the one more.
    const before = new Set((await webhookReadyEvents()).map((event) => event.metadata.uid));
    for (let check = 0; check < 2; check += 1) {
      const answer = await postToWebhook(webhook!.port, '/client-parameters', HEALTH_CHECK_BODY, {
        ca: caBundle!,
        servername: host(),
      });
      expect(answer.statusCode).toBe(200);
      expect(answer.review?.response).toEqual({ uid: '', allowed: true });
    }
    const events = (await webhookReadyEvents()).filter((event) => !before.has(event.metadata.uid));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ involvedObject: { kind: 'Deployment', name: 'gefyra-operator-webhook' } });
    expectEventTimeAfterCreation(events[0]);
    // The operator withdraws its own signal when Stowaway fails; the webhook's stays.
    await new ClusterClientNotifier(admin(), systemClock, namespace.name).withdrawReady(never);
    const left = await admin().list({ apiVersion: 'v1', kind: 'Event' }, namespace.name, undefined, never);
    expect(left.map((event) => event['reason'])).toContain(WEBHOOK_READY_REASON);
    expect(left.map((event) => event['reason'])).not.toContain('Gefyra-Ready');
  });

  it('serves the same CA after a restart (kept in its Secret), and puts it back when an install overwrote the caBundle', async () => {
    const before = webhook!.caBundle;
    await webhook!.stop();
    const configuration = (await admin().find(VWC, never))!;
    const overwritten = (configuration['webhooks'] as Record<string, Record<string, unknown>>[]).map((entry) => ({
      ...entry,
      clientConfig: { ...entry['clientConfig'], caBundle: PUBLISHED_CA_BUNDLE },
    }));
    await admin().patch(VWC, { webhooks: overwritten }, never);
    webhook = await start();
    expect(webhook.caBundle).toBe(before);
    expect(await caBundleInConfiguration()).toEqual([before]);
  });
});

describe('the webhook renews its certificate while running (GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME=45)', () => {
  const name = `${VWC.name}-renewal`;
  const configurationRef = { ...VWC, name };
  afterAll(async () => {
    await admin().remove(configurationRef, never);
  });

  it(
    'a client trusting the caBundle as the API server stores it ' +
      'completes a TLS handshake at every moment across the switch, the CA overlap and its end',
    async () => {
      await admin().create({ ...testConfiguration(), name, metadata: { name } }, never);
      const settings = loadWebhookSettings({
        GEFYRA_WEBHOOK_CERTIFICATE_LIFETIME: '45',
        GEFYRA_WEBHOOK_CONFIGURATION: name,
        GEFYRA_WEBHOOK_TLS_SECRET: 'gefyra-admission-renewal-tls',
      });
      const webhook = await startGefyra2Webhook({
        objects: asClient.api,
        clock: systemClock,
        logger: silentLogger,
        namespace: namespace.name,
        webhook: { ...settings, port: 0 },
        listenHost: '127.0.0.1',
      });
      const servername = `gefyra-admission.${namespace.name}.svc`;
      const bundleStored = async () => {
        const [entry] = ((await admin().find(configurationRef, never))?.['webhooks'] ?? []) as {
          clientConfig: { caBundle: string };
        }[];
        return Buffer.from(entry?.clientConfig.caBundle ?? '', 'base64').toString();
      };
      const cas = (bundle: string) => bundle.match(/BEGIN CERTIFICATE/g)?.length ?? 0;
      try {
        const served = new Set<string>();
        const bundleSizes: number[] = [];
        let previousBundle: string | undefined;
        const deadline = Date.now() + 120_000;
        // Until a second certificate is served and the first one's CA has left the bundle again.
        while (!(served.size >= 2 && bundleSizes.includes(2) && bundleSizes.at(-1) === 1) && Date.now() < deadline) {
          const bundle = await bundleStored();
          // Node's own verification, on the wall clock; the bundle of a moment ago too (the API server's copy may lag).
          const { fingerprint } = await handshake(webhook.port, { ca: bundle, servername });
          if (previousBundle !== undefined) await handshake(webhook.port, { ca: previousBundle, servername });
          served.add(fingerprint);
          bundleSizes.push(cas(bundle));
          previousBundle = bundle;
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
        expect(served.size).toBeGreaterThanOrEqual(2);
        expect(bundleSizes).toContain(2);
        expect(bundleSizes.at(-1)).toBe(1);
      } finally {
        await webhook.stop();
      }
    },
    180_000,
  );
});

describe('the webhook as the image runs it: `gefyra-operator run` with OP_MODE=webhook', () => {
  // The liveness check reads its port with the webhook's schema from dist/, as in the image.
  beforeAll(async () => await buildDist(), 120_000);

  it('serves with the CA kept in its Secret, passes its liveness probe, and stops on SIGTERM', async () => {
    const webhook = await startOperatorProcess({
      kubeconfigPath: asClient.kubeconfigPath,
      env: {
        OP_MODE: 'webhook',
        GEFYRA_NAMESPACE: namespace.name,
        GEFYRA_WEBHOOK_PORT: '0',
        GEFYRA_WEBHOOK_CONFIGURATION: VWC.name,
      },
    });
    try {
      const serving = await webhook.waitForLog((line) => line.msg === 'admission webhook serving', {
        timeoutMs: 30_000,
      });
      const port = Number(serving['port']);
      const secret = await admin().find(
        { apiVersion: 'v1', kind: 'Secret', namespace: namespace.name, name: 'gefyra-admission-tls' },
        never,
      );
      const ca = Buffer.from((secret?.['data'] as Record<string, string>)['ca.crt']!, 'base64').toString();
      const answer = await postToWebhook(
        port,
        '/mount-parameters',
        admissionReview('CREATE', {
          metadata: { name: 'm', namespace: namespace.name },
          provider: 'carrier2mount',
          target: 'daemonset/x',
          targetNamespace: 'shop',
          targetContainer: 'app',
        }),
        {
          ca,
          servername: `gefyra-admission.${namespace.name}.svc`,
        },
      );
      expect(answer.review?.response).toMatchObject({
        allowed: false,
        status: { code: 500, message: expect.stringContaining("'target' must be") },
      });
      const probe = await run('sh', [join(ROOT, 'image', 'python'), 'gefyra/healthcheck.py'], {
        cwd: join(ROOT, 'image'),
        env: {
          PATH: `${dirname(process.execPath)}:/usr/bin:/bin`,
          GEFYRA_APP_DIR: ROOT,
          GEFYRA_WEBHOOK_PORT: String(port),
        },
      });
      expect(probe.stdout).toContain('webhook answered 200');
      expect(await webhook.stop()).toEqual({ code: 0, signal: null });
    } finally {
      await webhook.kill();
    }
  });
});

describe("the webhook under deploy/gefyra2's account for it", () => {
  const clusterName = `gefyra-operator-webhook-${suffix}`;
  beforeAll(async () => {
    await admin().create(testConfiguration(), never);
  });
  afterAll(async () => {
    for (const kind of ['ClusterRoleBinding', 'ClusterRole'])
      await admin().remove({ apiVersion: RBAC, kind, name: clusterName }, never);
    await admin().remove(VWC, never);
  });

  it('makes its Secret, patches the configuration, reads what its rules need and posts its Event with nothing more', async () => {
    // The namespaced objects exactly as deploy/gefyra2 has them; the cluster-wide ones renamed for this test's configuration.
    const account = gefyra2InstallManifests({ namespace: namespace.name, image: 'unused' })
      .filter((manifest) => manifest.metadata.name === 'gefyra-operator-webhook' && manifest.kind !== 'Deployment')
      .map((manifest): Manifest => {
        if (manifest.kind === 'ClusterRole') {
          const [rule] = manifest['rules'] as Record<string, unknown>[];
          return { ...manifest, metadata: { name: clusterName }, rules: [{ ...rule, resourceNames: [VWC.name] }] };
        }
        if (manifest.kind === 'ClusterRoleBinding')
          return {
            ...manifest,
            metadata: { name: clusterName },
            roleRef: { ...(manifest['roleRef'] as object), name: clusterName },
          };
        return manifest;
      });
    for (const manifest of account) await admin().create(manifest, never);
    await admin().remove(
      { apiVersion: 'v1', kind: 'Secret', namespace: namespace.name, name: 'gefyra-admission-tls' },
      never,
    );
    const credentials = await controlPlane.serviceAccountKubeConfig(namespace.name, 'gefyra-operator-webhook');
    const webhook = await startGefyra2Webhook({
      objects: new KubernetesClusterApi(credentials.kubeConfig),
      clock: systemClock,
      logger: silentLogger,
      namespace: namespace.name,
      webhook: { ...loadWebhookSettings({}), port: 0, configuration: VWC.name },
      listenHost: '127.0.0.1',
    });
    try {
      const [caBundle] = (
        (await admin().find(VWC, never))!['webhooks'] as { clientConfig: { caBundle: string } }[]
      ).map((entry) => Buffer.from(entry.clientConfig.caBundle, 'base64').toString());
      expect(caBundle).toBe(webhook.caBundle);
      const tls = { ca: caBundle!, servername: `gefyra-admission.${namespace.name}.svc` };
      // A holder of its own: the test passes alone and after the others.
      await admin().create({ ...gefyraClient('dev-held'), providerParameter: { subnet: '10.78.0.0/16' } }, never);
      const waiting = { ...gefyraClient('dev-d'), state: 'WAITING' };
      const clash = await postToWebhook(
        webhook.port,
        '/client-parameters',
        admissionReview('UPDATE', { ...waiting, providerParameter: { subnet: '10.78.1.0/24' } }, waiting),
        tls,
      );
      expect(clash.review?.response).toMatchObject({
        allowed: false,
        status: { code: 500, message: expect.stringContaining('GefyraClient dev-held') },
      });
      const bridge = await postToWebhook(
        webhook.port,
        '/bridge-parameters',
        admissionReview('CREATE', {
          metadata: {
            name: 'x',
            namespace: namespace.name,
            labels: { 'gefyra.dev/bridge-mount': 'm', 'gefyra.dev/client': 'dev-d' },
          },
          provider: 'carrier2',
          target: 'm',
          destinationIP: '10.77.1.2',
        }),
        tls,
      );
      expect(bridge.review?.response).toMatchObject({
        allowed: false,
        status: { code: 500, message: 'GefyraBridgeMount "m" does not exist' },
      });
      const readinessEvents = async () =>
        (
          await admin().list(
            { apiVersion: 'v1', kind: 'Event' },
            namespace.name,
            { 'gefyra.dev/signal': 'webhook-ready' },
            never,
          )
        ).length;
      const before = await readinessEvents();
      expect((await postToWebhook(webhook.port, '/client-parameters', HEALTH_CHECK_BODY, tls)).statusCode).toBe(200);
      expect(await readinessEvents()).toBe(before + 1);
    } finally {
      await webhook.stop();
    }
  });
});

/** A webhook configuration like the client's `gefyra.dev`, with Gefyra's published bundle in it. */
function testConfiguration(): Manifest {
  return {
    ...VWC,
    metadata: { name: VWC.name },
    webhooks: [
      {
        name: 'client-parameters.gefyra.dev',
        admissionReviewVersions: ['v1', 'v1beta1'],
        clientConfig: {
          caBundle: PUBLISHED_CA_BUNDLE,
          service: { name: 'gefyra-admission', namespace: namespace.name, path: '/client-parameters' },
        },
        // Never matched: the API server cannot reach a webhook on the test's loopback, and other tests create GefyraClients too.
        objectSelector: { matchLabels: { 'gefyra.dev/webhook-test': `never-${suffix}` } },
        failurePolicy: 'Ignore',
        rules: [
          {
            apiGroups: ['gefyra.dev'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            resources: ['gefyraclients'],
            scope: '*',
          },
        ],
        sideEffects: 'None',
        timeoutSeconds: 30,
      },
    ],
  };
}

function expectEventTimeAfterCreation(event: Manifest | undefined): void {
  const eventTime = event?.['eventTime'];
  expect(typeof eventTime).toBe('string');
  expect(microsecondsOf(eventTime as string)).toBeGreaterThan(microsecondsOf(event!.metadata.creationTimestamp!));
}

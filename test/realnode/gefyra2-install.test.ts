// The real-node tier for Gefyra 2: `kubectl apply -k deploy/gefyra2` on a real
// kubelet, containerd and kube-proxy (test/support/real-node), the operator's
// image (npm run image) in both of its Deployments, Stowaway 2.x's stand-in,
// and the API server calling the admission webhook through its Service.
// Skipped with one line where the machine cannot run the node.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CoreV1Api, type KubeConfig, type V1Pod } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { WEBHOOK_READY_REASON } from '../../src/plugins/gefyra2/adapters/gefyra2-webhook.js';
import { GEFYRA2_CRD_NAMES } from '../../src/plugins/gefyra2/install/gefyra2-crds.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { hostStateChanges, captureHostState } from '../support/real-node/host-state.js';
import { createAll, GEFYRA2_DEPLOY_DIR, kustomizationObjects } from '../support/real-node/kustomization.js';
import { startNodeWithImages, type NodeWithImages } from '../support/real-node/node-with-images.js';
import { nodeProxyGet, probeCount, throwIfStuck } from '../support/real-node/pod-checks.js';
import { provisionRealNode } from '../support/real-node/real-node.js';
import {
  deleteUntilNamespaceGone,
  inNamespaceAnywhere,
  killedAfterGrace,
  managedClusterObjects,
  stillThere,
} from '../support/real-node/removal-checks.js';
import { buildStowaway2StandIn, STOWAWAY2_IMAGE } from '../support/real-node/stand-in-images.js';

const run = promisify(execFile);
const provisioned = await provisionRealNode();
const unavailable = 'unavailable' in provisioned ? provisioned.unavailable : undefined;
if (unavailable !== undefined) process.stderr.write(`[real-node] tier skipped: ${unavailable}\n`);

/** Gefyra 2's namespace: the 2.5 client, the webhook's certificate and its health check hard-code it. */
const NAMESPACE = 'gefyra';
const ROLES = ['operator', 'webhook'] as const;
const never = new AbortController().signal;
const figure = (line: string): void => void process.stderr.write(`[real-node gefyra2] ${line}\n`);
const seconds = (since: number): string => ((Date.now() - since) / 1000).toFixed(1);

describe.skipIf(unavailable !== undefined)('deploy/gefyra2 on a real node', () => {
  let started: NodeWithImages | undefined;
  let kubeConfig: KubeConfig;
  const admin = (): KubernetesClusterApi => new KubernetesClusterApi(kubeConfig, 'gefyra-real-node-test');

  beforeAll(async () => {
    started = await startNodeWithImages(
      (provisioned as { binDir: string }).binDir,
      [{ name: 'stowaway2-stand-in', reference: STOWAWAY2_IMAGE, build: buildStowaway2StandIn }],
      figure,
    );
    kubeConfig = started.kubeConfig;
  }, 900_000);

  afterAll(async () => await started?.stop(), 120_000);

  it(
    'kubectl apply -k deploy/gefyra2: the operator pod and the webhook pod run the image and become Ready ' +
      'through the kubelet’s probes (the webhook’s exec liveness probe, `python gefyra/healthcheck.py`, included)',
    async () => {
      const { image, node } = started as NodeWithImages;
      const appliedAt = Date.now();
      await createAll(kubeConfig, await kustomizationObjects(GEFYRA2_DEPLOY_DIR, image.reference));
      const pods = await pollUntil(
        'the operator and webhook pods Ready',
        async () => {
          const found = await podsByRole(kubeConfig);
          throwIfStuck([...found.values()]);
          return ROLES.every((role) => isReady(found.get(role))) ? found : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1_000 },
      );
      figure(`apply -> operator and webhook pods Ready ${seconds(appliedAt)} s`);
      for (const role of ROLES) {
        const status = pods.get(role)?.status?.containerStatuses?.[0];
        expect({ role, imageID: status?.imageID, restartCount: status?.restartCount }).toEqual({
          role,
          imageID: image.configDigest,
          restartCount: 0,
        });
      }
      const webhookPod = pods.get('webhook')?.metadata?.name as string;
      const operatorPod = pods.get('operator')?.metadata?.name as string;
      const metrics = await pollUntil(
        'a successful liveness probe of each pod by the kubelet',
        async () => {
          const text = await nodeProxyGet(kubeConfig, node.nodeName, 'metrics/probes');
          return [webhookPod, operatorPod].every((pod) => probeCount(text, pod, 'Liveness', 'successful') > 0)
            ? text
            : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1_000 },
      );
      const failed = (pod: string): string =>
        `${probeCount(metrics, pod, 'Liveness', 'failed')} liveness, ${probeCount(metrics, pod, 'Readiness', 'failed')} readiness`;
      figure(
        `apply -> first successful liveness probe of both ${seconds(appliedAt)} s; probes failed (an httpGet probe's ` +
          `1 s time-out on a busy node; the kubelet restarts after 3 in a row): operator ${failed(operatorPod)}, webhook ${failed(webhookPod)}`,
      );
      for (const pod of [webhookPod, operatorPod]) {
        expect(probeCount(metrics, pod, 'Readiness', 'successful')).toBeGreaterThan(0);
      }
      // Live in the kubelet's judgement: neither container was restarted, now that both were found live.
      const now = await podsByRole(kubeConfig);
      expect(ROLES.map((role) => now.get(role)?.status?.containerStatuses?.[0]?.restartCount)).toEqual([0, 0]);
    },
    400_000,
  );

  it(
    'boots Gefyra 2’s Stowaway (its stand-in) on a bound volume claim, Ready through the image’s health port, ' +
      'and both readiness Events the 2.5 client waits for are posted',
    async () => {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const startedAt = Date.now();
      const stowaway = await pollUntil(
        `${STOWAWAY2.pod} Ready`,
        async () => {
          const pod = await core
            .readNamespacedPod({ namespace: NAMESPACE, name: STOWAWAY2.pod })
            .catch(() => undefined);
          if (pod !== undefined) throwIfStuck([pod]);
          return isReady(pod) ? pod : undefined;
        },
        { timeoutMs: 240_000, intervalMs: 1_000 },
      );
      figure(`${STOWAWAY2.pod} Ready ${seconds(startedAt)} s after the first test`);
      expect(stowaway.spec?.containers[0]?.image).toBe(STOWAWAY2_IMAGE);
      const metrics = await nodeProxyGet(kubeConfig, (started as NodeWithImages).node.nodeName, 'metrics/probes');
      expect(probeCount(metrics, STOWAWAY2.pod, 'Readiness', 'successful')).toBeGreaterThan(0);
      const claim = await core.readNamespacedPersistentVolumeClaim({
        namespace: NAMESPACE,
        name: `${STOWAWAY2.claimTemplate}-${STOWAWAY2.pod}`,
      });
      expect(claim.status?.phase).toBe('Bound');
      // What the 2.5 client's install waits for (core/v1, reason only): the operator's signal and the webhook's,
      // which its health check (the exec liveness probe) makes it post.
      let reasons = new Set<string | undefined>();
      await pollUntil(
        'Gefyra-Ready and Gefyra-Webhook-Ready',
        async () => {
          const events = await core.listNamespacedEvent({ namespace: NAMESPACE });
          reasons = new Set(events.items.map((event) => event.reason));
          return reasons.has('Gefyra-Ready') && reasons.has(WEBHOOK_READY_REASON) ? true : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1_000 },
      ).catch((error: unknown) => {
        throw new Error(`${(error as Error).message}; reasons seen: ${[...reasons].join(', ')}`);
      });
      figure(`Gefyra-Ready and Gefyra-Webhook-Ready posted ${seconds(startedAt)} s after the first test`);
    },
    300_000,
  );

  it(
    'the API server calls the webhook through its Service (kube-proxy’s rule, to the pod) trusting the webhook’s own CA: ' +
      'a client’s bad GefyraClient and a bad GefyraBridgeMount are refused with its messages, a good GefyraClient is admitted',
    async () => {
      const core = kubeConfig.makeApiClient(CoreV1Api);
      const secret = await core.readNamespacedSecret({ namespace: NAMESPACE, name: 'gefyra-admission-tls' });
      const ownCa = Buffer.from(secret.data?.['ca.crt'] ?? '', 'base64').toString();
      expect(ownCa).toContain('BEGIN CERTIFICATE');
      const configuration = await admin().find(
        { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', name: 'gefyra.dev' },
        never,
      );
      const bundles = ((configuration?.['webhooks'] ?? []) as { clientConfig: { caBundle?: string } }[]).map((entry) =>
        Buffer.from(entry.clientConfig.caBundle ?? '', 'base64').toString(),
      );
      expect(bundles.map((bundle) => bundle.trim())).toEqual([ownCa.trim(), ownCa.trim(), ownCa.trim()]);

      const connectionsBefore = await serviceRulePackets((started as NodeWithImages).node.namespacePid);
      const refusal = async (object: Manifest): Promise<string> => {
        const error = await admin()
          .create(object, never)
          .then(() => undefined)
          .catch((caught: unknown) => caught);
        return error instanceof Error ? error.message : `admitted: ${JSON.stringify(error)}`;
      };
      // As a 2.5 client would never send it, but a hand-written one might: the subnet comes only in WAITING.
      expect(await refusal(gefyraClient('dev-early', { providerParameter: { subnet: '172.30.0.0/16' } }))).toMatch(
        /admission webhook "client-parameters\.gefyra\.dev" denied the request: Cannot set 'providerParameter' when creating a Gefyra client/,
      );
      expect(
        await refusal({
          apiVersion: 'gefyra.dev/v1',
          kind: 'gefyrabridgemount',
          metadata: { name: 'bad-target', namespace: NAMESPACE },
          provider: 'carrier2mount',
          target: 'daemonset/x',
          targetNamespace: 'shop',
          targetContainer: 'app',
        }),
      ).toMatch(/admission webhook "mount-parameters\.gefyra\.dev" denied the request: 'target' must be/);
      const admitted = await admin().create(gefyraClient('dev-a'), never);
      expect(admitted).toMatchObject({ kind: 'gefyraclient', metadata: { name: 'dev-a' } });
      const connectionsAfter = await serviceRulePackets((started as NodeWithImages).node.namespacePid);
      figure(
        `connections to the webhook's cluster IP counted by kube-proxy's rule: ${connectionsBefore} -> ${connectionsAfter}`,
      );
      expect(connectionsAfter).toBeGreaterThan(connectionsBefore);

      // The operator takes the admitted client on (its own patches pass through the webhook too): WAITING, as the client waits for.
      const waiting = await pollUntil(
        'dev-a WAITING',
        async () => {
          const client = await admin().find({ ...GEFYRA_CLIENT, namespace: NAMESPACE, name: 'dev-a' }, never);
          return client?.['state'] === 'WAITING' ? client : undefined;
        },
        { timeoutMs: 120_000, intervalMs: 1_000 },
      );
      expect(waiting['state']).toBe('WAITING');
    },
    300_000,
  );

  it(
    'kubectl delete -k deploy/gefyra2 leaves nothing: its objects, the namespace with Stowaway, its claim and volume, ' +
      'the CRDs and what the operator made; no container killed after its grace period',
    async () => {
      const { image } = started as NodeWithImages;
      const objects = await kustomizationObjects(GEFYRA2_DEPLOY_DIR, image.reference);
      const removal = await deleteUntilNamespaceGone(kubeConfig, objects, NAMESPACE, 240_000);
      figure(`delete -k deploy/gefyra2 -> ${removal.figure}`);
      expect(killedAfterGrace(removal.pods)).toEqual([]);
      const api = admin();
      expect(await stillThere(api, objects)).toEqual([]);
      expect(await inNamespaceAnywhere(kubeConfig, NAMESPACE)).toEqual([]);
      expect(await managedClusterObjects(api)).toEqual([]);
      const crds = GEFYRA2_CRD_NAMES.map((name) => ({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name },
      }));
      expect(await stillThere(api, crds)).toEqual([]);
      // The provisioner deletes a released volume: none is left for the namespace's claim.
      const volumes = await pollUntil(
        'no volume left for a claim in gefyra',
        async () => {
          const left = (await kubeConfig.makeApiClient(CoreV1Api).listPersistentVolume()).items.filter(
            (volume) => volume.spec?.claimRef?.namespace === NAMESPACE,
          );
          return left.length === 0 ? left : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 1_000 },
      );
      expect(volumes).toEqual([]);
    },
    360_000,
  );

  it('leaves the host as it found it: iptables, sysctls, mounts, cgroups, network links, default paths', async () => {
    const { node, hostBefore } = started as NodeWithImages;
    await node.stop();
    expect(hostStateChanges(hostBefore, await captureHostState())).toEqual([]);
  }, 120_000);
});

const GEFYRA_CLIENT = { apiVersion: 'gefyra.dev/v1', kind: 'gefyraclient' } as const;

function gefyraClient(name: string, fields: Record<string, unknown> = {}): Manifest {
  return { ...GEFYRA_CLIENT, metadata: { name, namespace: NAMESPACE }, provider: 'stowaway', ...fields };
}

/** The operator's and the webhook's pod, by their `gefyra.dev/role` label. */
async function podsByRole(kubeConfig: KubeConfig): Promise<Map<string, V1Pod>> {
  const pods = await kubeConfig
    .makeApiClient(CoreV1Api)
    .listNamespacedPod({ namespace: NAMESPACE, labelSelector: 'app.kubernetes.io/name=gefyra-operator' });
  return new Map(pods.items.map((pod) => [pod.metadata?.labels?.['gefyra.dev/role'] ?? '', pod]));
}

function isReady(pod: V1Pod | undefined): boolean {
  return pod?.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true;
}

/**
 * Packets (one per new connection: nat rules see only a connection's first)
 * that kube-proxy's rule for the webhook Service's cluster IP matched in the
 * node's network namespace, where the API server runs: its calls to the
 * webhook are DNATed there to the webhook's pod.
 */
async function serviceRulePackets(namespacePid: number): Promise<number> {
  const { stdout } = await run('nsenter', [
    '-t',
    String(namespacePid),
    '--net',
    'iptables',
    '-t',
    'nat',
    '-L',
    'KUBE-SERVICES',
    '-n',
    '-v',
    '-x',
  ]);
  const rule = stdout
    .split('\n')
    .find((line) => line.includes('KUBE-SVC-') && line.includes(`${NAMESPACE}/gefyra-admission cluster IP`));
  if (rule === undefined) throw new Error(`no rule for ${NAMESPACE}/gefyra-admission in KUBE-SERVICES:\n${stdout}`);
  return Number(rule.trim().split(/\s+/)[0]);
}

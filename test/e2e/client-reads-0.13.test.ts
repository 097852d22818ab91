import {
  AppsV1Api,
  CoreV1Api,
  CustomObjectsApi,
  Watch,
  type V1Deployment,
  type V1Secret,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSubnet, subnetContains } from '../../src/domain/intercept/intercept-policy.js';
import { DEFAULT_OPERATOR_IMAGE } from '../../src/install/install-manifests.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { CLIENT_NETWORK } from '../support/client-network.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { clientBridgeBody } from '../support/intercept-request-fixtures.js';
import { CLIENT_OPERATOR_ENV, installAsClient, removeAsClient } from './support/client-installation.js';
import { recordObjects } from './support/cluster-waits.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import { postInterceptRequest, waitForEstablished } from './support/intercept-requests.js';
import { OPERATOR_NAMESPACE, removeOperatorInstallation } from './support/operator-access.js';
import { startOperatorProcess } from './support/operator-process.js';
import { createTargetPod } from './support/target-pods.js';

/** The file's first operator start loads the sources through tsx: on a busy machine that takes longer than the default 30 s. */
const FIRST_START_MS = 120_000;
const GROUP = {
  group: 'gefyra.dev',
  version: 'v1',
  namespace: OPERATOR_NAMESPACE,
  plural: 'interceptrequests',
} as const;
/** The 0.13.4 client's hard-coded Stowaway address (configuration.py: STOWAWAY_IP): Cargo pings it, `run` containers resolve through it. */
const STOWAWAY_IP = '192.168.99.1';
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** What the 0.13.4 client got back from the operator's cluster, gathered in one `up`, `bridge`, `unbridge` run. */
interface ClientView {
  readonly events: readonly Manifest[];
  readonly secret: V1Secret;
  readonly stowaway: V1Deployment;
  readonly created: Manifest;
  /** `list_namespaced_custom_object(...)`: the whole answer, as the client's `.get("items")` sees it. */
  readonly listed: Record<string, unknown>;
  readonly deleted: Manifest;
  /** What `unbridge --wait` saw on its watch, started after the DELETE returned. */
  readonly watched: readonly { readonly type: string; readonly object: Manifest }[];
}

/**
 * Every row of client-reads.md "0.13.4: what the client reads or waits for"
 * that the operator produces, each read at its literal key path and checked
 * for the shape the client's code needs. One run of the client's flow
 * against the operator booted under the client's own installation feeds the
 * whole table (rows the operator does not produce are listed in the closing
 * note of issue 18).
 */
describe('what the Gefyra 0.13.4 client reads, row by row', () => {
  const env = useE2eEnvironment({ install: false, stopOperators: 'afterAll' });
  let view: ClientView | undefined;
  const client = (): ClientView => {
    if (view === undefined) throw new Error('the client flow runs in beforeAll');
    return view;
  };

  beforeAll(async () => {
    const shop = await env.testNamespace('reads');
    const admin = env.admin();
    const installation = await installAsClient(env.controlPlane, OPERATOR_NAMESPACE, DEFAULT_OPERATOR_IMAGE);
    const events = recordObjects(admin, { apiVersion: 'v1', kind: 'Event', namespace: OPERATOR_NAMESPACE });
    const operator = await startOperatorProcess({
      kubeconfigPath: installation.kubeconfigPath,
      env: CLIENT_OPERATOR_ENV,
      startTimeoutMs: FIRST_START_MS,
    });
    const watched: { type: string; object: Manifest }[] = [];
    let stopWatch: (() => void) | undefined;
    try {
      await events.synced;
      // `gefyra up`: the Event, then the Secret.
      await pollUntil(
        'a Gefyra-Ready Event',
        async () => (events.seen.some((event) => event['reason'] === 'Gefyra-Ready') ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const secret = await admin
        .makeApiClient(CoreV1Api)
        .readNamespacedSecret({ namespace: OPERATOR_NAMESPACE, name: 'gefyra-cargo-connection' });

      // `gefyra bridge`: one request per pod, as the client posts it; a second one the operator refuses stays listed next to it.
      const target = { namespace: shop, pod: 'web-7c9d8f6b5-qrstu', container: 'web' };
      await createTargetPod(admin, env.node, { namespace: shop, name: target.pod });
      const created = await postInterceptRequest(admin, clientBridgeBody(target, { kind: 'deploy', name: 'web' }));
      const refused = await postInterceptRequest(
        admin,
        clientBridgeBody(
          { ...target, container: 'other' },
          { kind: 'deploy', name: 'web' },
          { destinationIP: '172.19.0.3' },
        ),
      );
      await waitForEstablished(admin, created.metadata.name);
      // Under the client's role the refusal is told by an Event (no interceptrequests/status).
      await pollUntil(
        'the refusal Event',
        async () => (events.seen.some((event) => event['reason'] === 'DestinationNotAllowed') ? true : undefined),
        { timeoutMs: 60_000 },
      );
      const listed = (await admin.makeApiClient(CustomObjectsApi).listNamespacedCustomObject({ ...GROUP })) as Record<
        string,
        unknown
      >;

      // `gefyra status`.
      const apps = admin.makeApiClient(AppsV1Api);
      const stowaway = await pollUntil(
        'gefyra-stowaway readyReplicas >= 1',
        async () => {
          const deployment = await apps.readNamespacedDeployment({
            namespace: OPERATOR_NAMESPACE,
            name: 'gefyra-stowaway',
          });
          return (deployment.status?.readyReplicas ?? 0) >= 1 ? deployment : undefined;
        },
        { timeoutMs: 60_000 },
      );

      // `gefyra unbridge --wait`: DELETE, then a watch with no resourceVersion (existing objects replayed), waiting for DELETED.
      const deleted = (await admin
        .makeApiClient(CustomObjectsApi)
        .deleteNamespacedCustomObject({ ...GROUP, name: created.metadata.name })) as Manifest;
      const request = await new Watch(admin).watch(
        `/apis/${GROUP.group}/${GROUP.version}/namespaces/${OPERATOR_NAMESPACE}/${GROUP.plural}`,
        {},
        (type: string, object: Manifest) => void watched.push({ type, object }),
        () => undefined,
      );
      stopWatch = () => request.abort();
      await pollUntil(
        'the DELETED event of the bridged request',
        async () =>
          watched.some((event) => event.type === 'DELETED' && event.object.metadata.uid === created.metadata.uid)
            ? true
            : undefined,
        { timeoutMs: 30_000 },
      );
      view = { events: [...events.seen], secret, stowaway, created, listed, deleted, watched };

      // `gefyra down`.
      await admin
        .makeApiClient(CustomObjectsApi)
        .deleteNamespacedCustomObject({ ...GROUP, name: refused.metadata.name });
      await removeAsClient(env.controlPlane, OPERATOR_NAMESPACE, async () => void (await operator.stop(5000)));
    } finally {
      stopWatch?.();
      await events.stop();
      if (operator.running) await operator.stop();
    }
  }, 240_000);
  afterAll(
    async () =>
      await removeOperatorInstallation(env.controlPlane, {
        names: ['gefyra-operator-role', 'gefyra-operator-rolebinding'],
      }),
  );

  const items = (): Record<string, unknown>[] => client().listed['items'] as Record<string, unknown>[];
  const bridged = (): Record<string, unknown> => {
    const found = items().find((item) => (item['metadata'] as { uid?: unknown }).uid === client().created.metadata.uid);
    if (found === undefined) throw new Error('the bridged request is not listed');
    return found;
  };
  /** `decode_secret`: base64, then UTF-8 (a strict decoder: the client's `.decode()` raises on invalid bytes). */
  const secretValue = (key: string): string =>
    new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(client().secret.data?.[key] ?? '', 'base64'));

  const rows: readonly { readonly row: string; readonly check: () => void }[] = [
    {
      row: 'InterceptRequest list: list_namespaced_custom_object(...).get("items") is a list of dicts (the CRD is registered: no 404)',
      check: () => {
        expect(Array.isArray(client().listed['items'])).toBe(true);
        for (const item of items()) expect(typeof item).toBe('object');
      },
    },
    {
      row: 'InterceptRequest ["metadata"]["uid"] is a str, the one the create returned',
      check: () =>
        expect((bridged()['metadata'] as Record<string, unknown>)['uid']).toBe(client().created.metadata.uid),
    },
    {
      row: 'InterceptRequest ["metadata"]["name"] is a str, the one the client gave',
      check: () =>
        expect((bridged()['metadata'] as Record<string, unknown>)['name']).toBe(
          'web-to-' + client().created['targetNamespace'] + '.deploy.web',
        ),
    },
    {
      row: 'InterceptRequest .get("established", False) at the top level is truthy once the bridge is up',
      check: () => expect(bridged()['established']).toBe(true),
    },
    {
      row: 'every InterceptRequest in the namespace: ki["targetPod"], ki["targetNamespace"] are str (a refused one too)',
      check: () => {
        expect(items()).toHaveLength(2);
        for (const item of items()) {
          expect(typeof item['targetPod']).toBe('string');
          expect(typeof item['targetNamespace']).toBe('string');
        }
      },
    },
    {
      row: 'InterceptRequest create response ["metadata"]["name"], ["metadata"]["uid"] are str',
      check: () => {
        expect(typeof client().created.metadata.name).toBe('string');
        expect(client().created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
      },
    },
    {
      row: 'InterceptRequest delete response ["metadata"]["name"] is the deleted object\'s name',
      check: () => expect(client().deleted.metadata.name).toBe(client().created.metadata.name),
    },
    {
      row: 'InterceptRequest watch (unbridge --wait): a DELETED event with ["object"]["metadata"]["uid"] after the DELETE returned (a finalizer delays it)',
      check: () => {
        expect(client().deleted.metadata.deletionTimestamp).toEqual(expect.any(String));
        expect(client().deleted.metadata.finalizers ?? []).not.toEqual([]);
        expect(
          client()
            .watched.filter((event) => event.type === 'DELETED')
            .map((event) => event.object.metadata.uid),
        ).toContain(client().created.metadata.uid);
      },
    },
    {
      row: 'Event (core/v1) watch: .reason == "Gefyra-Ready" with a .message',
      check: () => {
        const ready = client().events.find((event) => event['reason'] === 'Gefyra-Ready');
        expect(ready?.['message']).toEqual(expect.stringMatching(/\S/));
      },
    },
    {
      row: 'Secret gefyra-cargo-connection .data: every value base64 of UTF-8, keys literal dotted strings',
      check: () => {
        const data = client().secret.data ?? {};
        for (const key of Object.keys(data)) expect(() => secretValue(key), key).not.toThrow();
        expect(Object.keys(data)).toEqual(
          expect.arrayContaining([
            'Interface.Address',
            'Interface.DNS',
            'Interface.PrivateKey',
            'Peer.PublicKey',
            'Peer.AllowedIPs',
          ]),
        );
      },
    },
    {
      row: 'Secret data "Interface.Address": an IPv4 address (Cargo\'s WireGuard Address), in the tunnel with the hard-coded STOWAWAY_IP',
      check: () => {
        expect(secretValue('Interface.Address')).toMatch(IPV4);
        expect(subnetContains(parseSubnet(`${STOWAWAY_IP}/24`)!, secretValue('Interface.Address'))).toBe(true);
      },
    },
    {
      row: 'Secret data "Interface.DNS": its first token is the Stowaway IP the client hard-codes (192.168.99.1)',
      check: () => expect(secretValue('Interface.DNS').split(' ')[0]).toBe(STOWAWAY_IP),
    },
    {
      row: 'Secret data "Interface.PrivateKey", "Peer.PublicKey": WireGuard keys (44 characters of base64)',
      check: () => {
        expect(secretValue('Interface.PrivateKey')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
        expect(secretValue('Peer.PublicKey')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
      },
    },
    {
      row: 'Secret data "Peer.AllowedIPs": comma-separated, .split(",")[0] an IPv4 CIDR',
      check: () => {
        const first = secretValue('Peer.AllowedIPs').split(',')[0] ?? '';
        expect(parseSubnet(first)?.family).toBe(4);
      },
    },
    {
      row: "Deployment gefyra-stowaway .status.ready_replicas >= 1 and .spec.template.spec.containers[0].image (the client's Stowaway image)",
      check: () => {
        expect(client().stowaway.status?.readyReplicas).toBeGreaterThanOrEqual(1);
        expect(client().stowaway.spec?.template.spec?.containers[0]?.image).toBe(
          `${CLIENT_OPERATOR_ENV.GEFYRA_STOWAWAY_IMAGE}:${CLIENT_OPERATOR_ENV.GEFYRA_STOWAWAY_TAG}`,
        );
      },
    },
  ];

  it.each(rows)('$row', ({ check }) => check());

  it("ran the bridge with a destination in the client's Docker network", () => {
    expect(client().created['destinationIP']).toBe(CLIENT_NETWORK.appAddress);
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stowaway2Simulator } from '../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { ClusterClientNotifier } from '../../src/adapters/kubernetes/cluster-stores/cluster-client-notifier.js';
import { silentLogger } from '../../src/adapters/system/pino-logger.js';
import { systemClock } from '../../src/adapters/system/system-clock.js';
import { startGefyra2Webhook, WEBHOOK_READY_REASON } from '../../src/plugins/gefyra2/adapters/gefyra2-webhook.js';
import type { RunningWebhook } from '../../src/adapters/webhook/webhook-runner.js';
import { GEFYRA2_CRD_NAMES } from '../../src/plugins/gefyra2/install/gefyra2-crds.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { admissionReview, HEALTH_CHECK_BODY, postToWebhook, type ReviewAnswer } from '../support/admission-review.js';
import { pollUntil } from '../support/control-plane/polling.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../support/control-plane/vitest.js';
import { clientWireGuardFile, pyFormat, pyGet, pyIndex } from '../support/gefyra25-client-reads.js';
import { microsecondsOf } from '../support/micro-time.js';
import { recordObjects, type ObjectRecorder } from './support/cluster-waits.js';
import { startGefyra2, type Gefyra2 } from './support/gefyra2-lifecycle.js';

const signal = () => AbortSignal.timeout(30_000);
/** `GefyraClientState` of the 2.5.4 client (types/client.py): any other value raises ValueError. */
const CLIENT_STATES = ['REQUESTED', 'CREATING', 'WAITING', 'ENABLING', 'ACTIVE', 'DISABLING', 'TERMINATING', 'ERROR'];
const SUBNET = '172.18.0.0/16';

/** What the client reads, gathered once along one developer's lifecycle on the real API server. */
interface Seen {
  readonly namespace: string;
  /** The create response (`handle_create_gefyraclient` parses it into a GefyraClient). */
  readonly created: Manifest;
  /** Every version of the client the watch delivered, in order. */
  readonly versions: readonly Manifest[];
  readonly waiting: Manifest;
  readonly active: Manifest;
  /** ACTIVE after the developer's first handshake and the operator's next look at `wg`. */
  readonly shaken: Manifest;
  /** `_get_client_networks`: every GefyraClient of the namespace, while dev-a is ACTIVE. */
  readonly listed: readonly Manifest[];
  readonly disconnected: Manifest;
  readonly events: readonly Manifest[];
  readonly stowawayPod: Manifest;
  readonly wireGuardService: Manifest;
  readonly crds: readonly Manifest[];
  readonly bridgeCreated: Manifest;
  readonly mountCreated: Manifest;
  /** The webhook's answers: a second client's subnet patch overlapping dev-a's, and a create whose name gives dev-a's peer id. */
  readonly subnetRefused: ReviewAnswer;
  readonly createRefused: ReviewAnswer;
  /** SubjectAccessReviews of the developer's ServiceAccount for the calls the client makes with it. */
  readonly accountMay: (verb: string, resource: string, group?: string) => Promise<boolean>;
  readonly g: Gefyra2;
}

interface Row {
  /** The object and the literal key path, as client-reads.md (2.5.4) lists them. */
  readonly object: string;
  readonly path: string;
  /** How the client reads it: a hard index raises KeyError on a missing key; `.get` gives None. */
  readonly read: 'hard index' | '.get' | 'typed API' | 'write';
  readonly check: (seen: Seen) => void | Promise<void>;
}

const clientGets = (object: Manifest) => ({
  state: pyGet(object, 'state'),
  transitions: pyGet(object, 'stateTransitions') ?? {},
});

/**
 * `WatchEventsMixin.watch_events` (local/utils.py:148-191): an Event counts
 * when it has an involvedObject and an eventTime later than the object's
 * creationTimestamp; its message is shown when the object's name is in
 * involvedObject.name; reason `Ready` ends the wait.
 */
const countedEvents = (events: readonly Manifest[], object: Manifest) => {
  const created = microsecondsOf(String(pyIndex(pyIndex(object, 'metadata'), 'creationTimestamp')));
  return events.filter((event) => {
    const involved = event['involvedObject'] as { name?: string } | undefined;
    const eventTime = event['eventTime'];
    return (
      involved &&
      typeof eventTime === 'string' &&
      microsecondsOf(eventTime) > created &&
      String(involved.name).includes(object.metadata.name)
    );
  });
};

const ROWS: readonly Row[] = [
  {
    object: 'GefyraClient create response',
    path: '.get("state","") → GefyraClientState',
    read: '.get',
    check: ({ created }) => expect(clientGets(created).state).toBe('REQUESTED'),
  },
  {
    object: 'GefyraClient',
    path: '["metadata"]["name"], ["uid"], ["namespace"]; .get("creationTimestamp","")',
    read: 'hard index',
    check: ({ active, namespace }) => {
      const metadata = pyIndex(active, 'metadata');
      expect([pyIndex(metadata, 'name'), pyIndex(metadata, 'namespace')]).toEqual(['dev-a', namespace]);
      expect(pyIndex(metadata, 'uid')).toEqual(expect.any(String));
      expect(Number.isNaN(Date.parse(String(pyGet(metadata, 'creationTimestamp'))))).toBe(false);
    },
  },
  {
    object: 'GefyraClient',
    path: '.get("provider","") == "stowaway"',
    read: '.get',
    check: ({ versions }) => {
      for (const version of versions) expect(pyGet(version, 'provider')).toBe('stowaway');
    },
  },
  {
    object: 'GefyraClient (every version the client may GET)',
    path: '.get("state","") → GefyraClientState (exact strings)',
    read: '.get',
    check: ({ versions }) => {
      const states = versions.map((version) => clientGets(version).state);
      for (const state of states) expect(CLIENT_STATES).toContain(state);
      expect(new Set(states)).toEqual(new Set(['REQUESTED', 'CREATING', 'WAITING', 'ENABLING', 'ACTIVE', 'DISABLING']));
    },
  },
  {
    object: 'GefyraClient',
    path: '.get("stateTransitions",{}) → {STATE: str}, ["CREATING"] shown as created',
    read: '.get',
    check: ({ active }) => {
      const transitions = clientGets(active).transitions as Record<string, unknown>;
      expect(Object.keys(transitions).sort()).toEqual(['ACTIVE', 'CREATING', 'ENABLING', 'WAITING']);
      for (const at of Object.values(transitions)) expect(at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
      expect(pyIndex(transitions, 'CREATING')).toEqual(expect.any(String));
    },
  },
  {
    object: 'GefyraClient',
    path: 'status.wireguard, status.wireguard.latest_handshake',
    read: 'hard index',
    check: ({ shaken, waiting }) => {
      const wireguard = pyIndex(pyIndex(shaken, 'status'), 'wireguard');
      expect(pyIndex(wireguard, 'latest_handshake')).toEqual(expect.any(String));
      // Not connected: no `wireguard` in status, so the client shows no status ("wireguard" in status is false).
      const status = pyGet(waiting, 'status') as Record<string, unknown> | undefined;
      expect(status === undefined || !('wireguard' in status) || status['wireguard'] === null).toBe(true);
    },
  },
  {
    object: 'GefyraClient',
    path: '.get("serviceAccountName")',
    read: '.get',
    check: ({ waiting }) => expect(pyGet(waiting, 'serviceAccountName')).toBe('gefyra-client-dev-a'),
  },
  {
    object: 'GefyraClient',
    path: '.get("serviceAccountData",{}) → .get("token"), .get("ca.crt") (still base64)',
    read: '.get',
    check: ({ waiting }) => {
      const data = pyGet(waiting, 'serviceAccountData');
      const token = Buffer.from(String(pyGet(data, 'token')), 'base64').toString();
      expect(token.split('.')).toHaveLength(3);
      expect(Buffer.from(String(pyGet(data, 'ca.crt')), 'base64').toString()).toContain('BEGIN CERTIFICATE');
    },
  },
  {
    object: 'GefyraClient',
    path: '.get("providerParameter") → .get("subnet")',
    read: '.get',
    check: ({ active }) => expect(pyGet(pyGet(active, 'providerParameter'), 'subnet')).toBe(SUBNET),
  },
  {
    object: 'GefyraClient (all objects, _get_client_networks)',
    path: 'x["state"] == "ACTIVE" and "providerParameter" in x → x["providerParameter"]["subnet"]',
    read: 'hard index',
    check: ({ listed }) => {
      const taken = listed
        .filter((x) => pyIndex(x, 'state') === 'ACTIVE' && 'providerParameter' in x)
        .map((x) => pyIndex(pyIndex(x, 'providerParameter'), 'subnet'));
      expect(taken).toEqual([SUBNET]);
    },
  },
  {
    object: 'GefyraClient',
    path:
      '.get("providerConfig") → .get("Interface.Address"|"Interface.DNS"|' +
      '"Interface.ListenPort"|"Interface.PrivateKey"|"Peer.AllowedIPs"|' +
      '"Peer.Endpoint"|"Peer.PublicKey"|"Peer.PresharedKey")',
    read: '.get',
    check: ({ active }) => {
      const config = pyGet(active, 'providerConfig');
      for (const key of [
        'Interface.Address',
        'Interface.DNS',
        'Interface.ListenPort',
        'Interface.PrivateKey',
        'Peer.AllowedIPs',
        'Peer.Endpoint',
        'Peer.PublicKey',
        'Peer.PresharedKey',
      ]) {
        expect(pyFormat(pyGet(config, key)), key).not.toBe('None');
        expect(pyGet(config, key), key).toEqual(expect.any(String));
      }
      expect(clientWireGuardFile(active, '203.0.113.7:31820')).toContain('Address = 192.168.99.2\n');
    },
  },
  {
    object: 'GefyraClient',
    path: 'providerConfig already set when state first reads ACTIVE',
    read: '.get',
    check: ({ versions }) => {
      const active = versions.filter((version) => pyGet(version, 'state') === 'ACTIVE');
      expect(active.length).toBeGreaterThan(0);
      for (const version of active) expect(clientWireGuardFile(version, '203.0.113.7:31820')).not.toContain('None');
    },
  },
  {
    object: 'GefyraClient deactivate',
    path: 'merge patch {"providerParameter": None} (only in ACTIVE) → WAITING, no providerConfig',
    read: 'write',
    check: ({ disconnected }) => {
      expect(pyGet(disconnected, 'state')).toBe('WAITING');
      expect(pyGet(disconnected, 'providerParameter') ?? null).toBeNull();
      expect(pyGet(disconnected, 'providerConfig') ?? null).toBeNull();
    },
  },
  {
    object: 'GefyraClient force delete',
    path: 'merge patch {"metadata":{"finalizers":None}}, then DELETE → GET 404 within 60 s',
    read: 'write',
    check: async ({ g }) => {
      await g.create('dev-z', { status: {} });
      await g.waitForClient('dev-z', (client) => client?.finalizers.length === 1, 'with its finalizer');
      await g.api.patch(g.ref('dev-z'), { metadata: { finalizers: null } }, signal());
      await g.api.remove(g.ref('dev-z'), signal());
      await g.waitForClient('dev-z', (client) => client === undefined, 'gone');
    },
  },
  {
    object: 'Event (core/v1) object wait',
    path: 'involved_object truthy, event_time > creationTimestamp, self.name in involved_object.name; stop on .reason == "Ready"',
    read: 'typed API',
    check: ({ events, active }) => {
      const counted = countedEvents(events, active);
      expect(counted.map((event) => event['reason'])).toEqual(
        expect.arrayContaining(['Ready', 'GefyraClient state change', 'ServiceAccount', 'connection']),
      );
      for (const event of counted) expect(event['message']).toEqual(expect.any(String));
    },
  },
  {
    object: 'Event (core/v1) install wait',
    path: 'event["object"].reason: both "Gefyra-Ready" and "Gefyra-Webhook-Ready"; .message',
    read: 'typed API',
    check: ({ events }) => {
      for (const reason of ['Gefyra-Ready', WEBHOOK_READY_REASON]) {
        expect(events.find((event) => event['reason'] === reason)?.['message'], reason).toEqual(expect.any(String));
      }
    },
  },
  {
    object: 'GefyraClient activate',
    path: 'merge patch {"providerParameter": {"subnet"}} refused: HTTP 500 is read as "subnet taken"',
    read: 'write',
    check: ({ subnetRefused }) =>
      expect(subnetRefused.review?.response).toMatchObject({
        allowed: false,
        status: { code: 500, message: expect.stringContaining(`overlaps ${SUBNET} of GefyraClient dev-a`) },
      }),
  },
  {
    object: 'GefyraClient create',
    path: 'refused with HTTP 500: the client logs the body (its message) and retries, 409 is AlreadyExists',
    read: 'write',
    check: ({ createRefused }) =>
      expect(createRefused.review?.response).toMatchObject({
        allowed: false,
        status: { code: 500, message: expect.stringContaining('GefyraClient dev-a already has') },
      }),
  },
  {
    object: 'Pod gefyra-stowaway-0',
    path: '.status.container_statuses[0].ready, .spec.containers[0].image',
    read: 'typed API',
    check: ({ stowawayPod }) => {
      expect(
        ((stowawayPod['status'] as { containerStatuses?: { ready?: boolean }[] }).containerStatuses ?? [])[0]?.ready,
      ).toBe(true);
      expect((stowawayPod['spec'] as { containers: { name: string; image: string }[] }).containers[0]).toMatchObject({
        name: STOWAWAY2.container,
        image: expect.stringContaining('stowaway'),
      });
    },
  },
  {
    object: 'Service gefyra-stowaway-wireguard',
    path: '.spec.type (NodePort: the node address, port "31820"), selecting the Stowaway pod',
    read: 'typed API',
    check: ({ wireGuardService, stowawayPod }) => {
      const spec = wireGuardService['spec'] as {
        type: string;
        selector: Record<string, string>;
        ports: { nodePort?: number; protocol?: string }[];
      };
      expect(spec.type).toBe('NodePort');
      expect(spec.ports[0]).toMatchObject({ nodePort: 31820, protocol: 'UDP' });
      expect(stowawayPod.metadata.labels).toMatchObject(spec.selector);
    },
  },
  {
    object: 'CRDs',
    path: 'gefyraclients/gefyrabridges/gefyrabridgemounts.gefyra.dev, names.kind lowercase, fields top-level, state default REQUESTED',
    read: 'write',
    check: ({ crds }) => {
      expect(crds.map((crd) => (crd['spec'] as { names: { kind: string } }).names.kind).sort()).toEqual([
        'gefyrabridge',
        'gefyrabridgemount',
        'gefyraclient',
      ]);
      for (const crd of crds) {
        const schema = (
          crd['spec'] as {
            versions: { schema: { openAPIV3Schema: { properties: Record<string, { default?: unknown }> } } }[];
          }
        ).versions[0]?.schema.openAPIV3Schema;
        expect(schema?.properties['state']?.default, crd.metadata.name).toBe('REQUESTED');
        expect(schema?.properties['spec'], crd.metadata.name).toBeUndefined();
      }
    },
  },
  {
    object: 'GefyraBridge create response (from_raw)',
    path:
      '["provider"], ["metadata"]["name"], ["client"], ' +
      '["destinationIP"], ["portMappings"], ["targetContainer"], ' +
      '["targetNamespace"], ["target"], ["metadata"]["labels"], ["state"]',
    read: 'hard index',
    check: ({ bridgeCreated }) => {
      const metadata = pyIndex(bridgeCreated, 'metadata');
      expect([
        pyIndex(bridgeCreated, 'provider'),
        pyIndex(metadata, 'name'),
        pyIndex(bridgeCreated, 'client'),
        pyIndex(bridgeCreated, 'destinationIP'),
      ]).toEqual(['carrier2', 'dev-a-web', 'dev-a', '172.18.0.3']);
      expect([
        pyIndex(bridgeCreated, 'portMappings'),
        pyIndex(bridgeCreated, 'targetContainer'),
        pyIndex(bridgeCreated, 'targetNamespace'),
        pyIndex(bridgeCreated, 'target'),
      ]).toEqual([['8080:80'], '', '', 'web-default-abcde']);
      expect(pyIndex(metadata, 'labels')).toMatchObject({
        'gefyra.dev/bridge-mount': 'web-default-abcde',
        'gefyra.dev/client': 'dev-a',
        'gefyra.dev/client-container': 'app',
      });
      expect(pyIndex(bridgeCreated, 'state')).toBe('REQUESTED');
      expect(pyGet(pyGet(bridgeCreated, 'providerParameter'), 'rules')).toEqual([
        { match: [{ matchHeader: { name: 'x-gefyra', value: 'dev-a', type: 'exact' } }] },
      ]);
    },
  },
  {
    object: 'GefyraBridgeMount create response',
    path: '["metadata"]["name"|"uid"|"namespace"]; .get("state"|"target"|"targetContainer"|"targetNamespace"|"provider"|"stateTransitions")',
    read: '.get',
    check: ({ mountCreated }) => {
      const metadata = pyIndex(mountCreated, 'metadata');
      expect(pyIndex(metadata, 'uid')).toEqual(expect.any(String));
      expect(
        ['state', 'target', 'targetContainer', 'targetNamespace', 'provider'].map((key) => pyGet(mountCreated, key)),
      ).toEqual(['REQUESTED', 'deploy/web', 'app', 'default', 'carrier2mount']);
    },
  },
  {
    object: 'calls made as the client ServiceAccount',
    path: 'get, patch, list gefyraclients; create, get, list, patch, delete, watch gefyrabridges; get gefyrabridgemounts; watch events',
    read: 'write',
    check: async ({ accountMay }) => {
      const calls = [
        ...['get', 'patch', 'list'].map((verb) => [verb, 'gefyraclients', 'gefyra.dev']),
        ...['create', 'get', 'list', 'patch', 'delete', 'watch'].map((verb) => [verb, 'gefyrabridges', 'gefyra.dev']),
        ['get', 'gefyrabridgemounts', 'gefyra.dev'],
        ['watch', 'events', ''],
      ] as const;
      for (const [verb, resource, group] of calls)
        expect(await accountMay(verb, resource, group), `${verb} ${resource}`).toBe(true);
    },
  },
];

// Issue 18: every row of client-reads.md (2.5.4) the operator produces today,
// read the way the 2.5.4 client reads it (a hard index raises on a missing
// key, `.get` gives None), on the real API server. One developer goes through
// create → WAITING → subnet → ACTIVE → handshake → disconnect, driven by the
// GefyraClient controller on watches, with Stowaway 2.x a real StatefulSet
// whose container the simulated node answers as the 2.5 image.
describe('what the Gefyra 2.5.4 client reads, as it reads it', () => {
  const node = useSimulatedNode();
  const controlPlane = useControlPlane();
  const namespace = useTestNamespace('reads25');
  const simulator = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  let gefyra: Gefyra2 | undefined;
  let recorder: ObjectRecorder | undefined;
  let removeHandler: (() => void) | undefined;
  let seen: Seen | undefined;
  let webhook: RunningWebhook | undefined;
  /** A configuration the webhook writes its CA into; it matches nothing (the API server cannot reach the test's loopback). */
  const configuration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingWebhookConfiguration',
    name: `gefyra-dev-reads25-${randomBytes(3).toString('hex')}`,
  };

  beforeAll(async () => {
    removeHandler = node.onExec(simulator.handle);
    // A short look at `wg`, so that the handshake reaches status.wireguard within the test.
    const g = await startGefyra2(controlPlane.adminKubeConfig(), namespace.name, {
      lifecycle: { observeIntervalMs: 500 },
    });
    gefyra = g;
    const api = g.api;
    await node.whenPod(
      `${namespace.name}/${STOWAWAY2.pod}`,
      (pod) => pod.status?.containerStatuses?.[0]?.ready === true,
      { timeoutMs: 60_000 },
    );
    // What the boot posts once Stowaway is ready, and the webhook once the client's health POST reached it (the 2.5 client's install waits for both).
    await new ClusterClientNotifier(api, systemClock, namespace.name).announceReady(signal());
    await api.create(
      { ...configuration, metadata: { name: configuration.name }, webhooks: [unmatchedClientWebhook(namespace.name)] },
      signal(),
    );
    const running = await startGefyra2Webhook({
      objects: api,
      clock: systemClock,
      logger: silentLogger,
      namespace: namespace.name,
      webhook: {
        port: 0,
        service: 'gefyra-admission',
        tlsSecret: 'gefyra-admission-tls',
        configuration: configuration.name,
        certificateLifetimeSeconds: 86_400,
      },
      listenHost: '127.0.0.1',
    });
    webhook = running;
    const review = async (body: unknown) =>
      await postToWebhook(running.port, '/client-parameters', body, {
        ca: running.caBundle,
        servername: `gefyra-admission.${namespace.name}.svc`,
      });
    await review(HEALTH_CHECK_BODY);
    recorder = recordObjects(controlPlane.adminKubeConfig(), {
      apiVersion: 'gefyra.dev/v1',
      kind: 'gefyraclient',
      namespace: namespace.name,
    });
    await recorder.synced;

    // The client's body (local/clients.py get_gefyraclient_body): provider and an empty status.
    const created = await g.create('dev-a', { status: {} });
    await g.waitForClient('dev-a', (client) => client?.state === 'WAITING', 'WAITING');
    const waiting = (await api.find(g.ref('dev-a'), signal())) as Manifest;
    await g.setSubnet('dev-a', SUBNET);
    await g.waitForClient('dev-a', (client) => client?.state === 'ACTIVE', 'ACTIVE');
    const active = (await api.find(g.ref('dev-a'), signal())) as Manifest;
    // The developer's machine shakes hands with the peer's key as Stowaway keeps it.
    const peerKey =
      simulator.files(namespace.name, STOWAWAY2.pod).get('/config/peer_dev000a/publickey-peer_dev000a')?.trim() ?? '';
    simulator.connect(namespace.name, STOWAWAY2.pod, peerKey);
    const shaken = await g
      .waitForClient(
        'dev-a',
        (client) => client?.wireguard?.latest_handshake !== undefined,
        'its handshake in status.wireguard',
      )
      .then(async () => (await api.find(g.ref('dev-a'), signal())) as Manifest);
    const listed = await api.list(
      { apiVersion: 'gefyra.dev/v1', kind: 'gefyraclient' },
      namespace.name,
      undefined,
      signal(),
    );
    const second = {
      apiVersion: 'gefyra.dev/v1',
      kind: 'gefyraclient',
      metadata: { name: 'dev-b', namespace: namespace.name },
      provider: 'stowaway',
      state: 'WAITING',
    };
    const subnetRefused = await review(
      admissionReview('UPDATE', { ...second, providerParameter: { subnet: '172.18.5.0/24' } }, second),
    );
    const createRefused = await review(
      admissionReview('CREATE', {
        ...second,
        metadata: { name: 'dev.a', namespace: namespace.name },
        state: 'REQUESTED',
        status: {},
      }),
    );

    const bridgeCreated = await api.create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyrabridge',
        metadata: {
          name: 'dev-a-web',
          namespace: namespace.name,
          labels: {
            'gefyra.dev/bridge-mount': 'web-default-abcde',
            'gefyra.dev/client': 'dev-a',
            'gefyra.dev/client-container': 'app',
          },
        },
        provider: 'carrier2',
        connectionProvider: 'stowaway',
        providerParameter: {
          rules: [{ match: [{ matchHeader: { name: 'x-gefyra', value: 'dev-a', type: 'exact' } }] }],
        },
        client: 'dev-a',
        destinationIP: '172.18.0.3',
        target: 'web-default-abcde',
        targetNamespace: '',
        targetContainer: '',
        portMappings: ['8080:80'],
        handleProbes: true,
      },
      signal(),
    );
    const mountCreated = await api.create(
      {
        apiVersion: 'gefyra.dev/v1',
        kind: 'gefyrabridgemount',
        metadata: { name: 'web-default-abcde', namespace: namespace.name },
        targetNamespace: 'default',
        target: 'deploy/web',
        targetContainer: 'app',
        provider: 'carrier2mount',
        providerParameter: {},
      },
      signal(),
    );

    await g.setSubnet('dev-a', null);
    await g.waitForClient(
      'dev-a',
      (client) => client?.state === 'WAITING' && client.providerConfig === undefined,
      'WAITING again',
    );
    const disconnected = (await api.find(g.ref('dev-a'), signal())) as Manifest;
    const events = await pollUntil(
      "the client's Events, its disconnection among them",
      async () => {
        const found = await api.list({ apiVersion: 'v1', kind: 'Event' }, namespace.name, undefined, signal());
        return found.some((event) => event['reason'] === 'connection') ? found : undefined;
      },
      { timeoutMs: 10_000 },
    );
    const find = async (ref: Parameters<typeof api.find>[0]) => (await api.find(ref, signal())) as Manifest;
    const account = `system:serviceaccount:${namespace.name}:gefyra-client-dev-a`;
    seen = {
      namespace: namespace.name,
      created,
      versions: recorder.seen.filter((version) => version.metadata.name === 'dev-a'),
      waiting,
      active,
      shaken,
      listed,
      disconnected,
      events,
      stowawayPod: await find({ apiVersion: 'v1', kind: 'Pod', namespace: namespace.name, name: STOWAWAY2.pod }),
      wireGuardService: await find({
        apiVersion: 'v1',
        kind: 'Service',
        namespace: namespace.name,
        name: STOWAWAY2.wireGuardService,
      }),
      crds: await Promise.all(
        GEFYRA2_CRD_NAMES.map((name) =>
          find({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name }),
        ),
      ),
      bridgeCreated,
      mountCreated,
      subnetRefused,
      createRefused,
      accountMay: async (verb, resource, group = '') => {
        const review = await api.create(
          {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SubjectAccessReview',
            metadata: { name: '' },
            spec: {
              user: account,
              groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace.name}`, 'system:authenticated'],
              resourceAttributes: { namespace: namespace.name, verb, group, resource },
            },
          },
          signal(),
        );
        return (review['status'] as { allowed?: boolean } | undefined)?.allowed === true;
      },
      g,
    };
  }, 180_000);

  afterAll(async () => {
    await webhook?.stop();
    await gefyra?.api.remove(configuration, signal());
    await recorder?.stop();
    await gefyra?.stop();
    removeHandler?.();
  });

  it.each(ROWS)('$object: $path ($read)', async (row) => {
    if (seen === undefined) throw new Error('gathered in beforeAll');
    await row.check(seen);
  });
});

function unmatchedClientWebhook(namespace: string) {
  return {
    name: 'client-parameters.gefyra.dev',
    admissionReviewVersions: ['v1', 'v1beta1'],
    clientConfig: { service: { name: 'gefyra-admission', namespace, path: '/client-parameters' } },
    objectSelector: { matchLabels: { 'gefyra.dev/webhook-test': 'never' } },
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
  };
}

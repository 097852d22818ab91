import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../src/domain/errors.js';
import {
  createSimulatedOperator,
  servicesOf,
  type SimulatedOperator,
} from '../../../support/simulated-cluster/simulated-operator.js';
import { eventsOf, signal } from '../../../support/scenario.js';

const NS = 'gefyra';
const find = (
  operator: SimulatedOperator,
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string | undefined = NS,
) => operator.cluster.peek({ apiVersion, kind, name, ...(namespace ? { namespace } : {}) });

const readySignals = (operator: SimulatedOperator) =>
  operator.cluster.objects({ apiVersion: 'v1', kind: 'Event' }).filter((event) => event['reason'] === 'Gefyra-Ready');

function connectionSecret(operator: SimulatedOperator): Record<string, string> | undefined {
  const secret = find(operator, 'v1', 'Secret', 'gefyra-cargo-connection');
  if (!secret) return undefined;
  return Object.fromEntries(
    Object.entries(secret['data'] as Record<string, string>).map(([key, value]) => [
      key,
      Buffer.from(value, 'base64').toString(),
    ]),
  );
}

const boot = (operator: SimulatedOperator) => servicesOf(operator).boot.reconcile(signal);

describe('BootService: the init phase on an empty cluster', () => {
  it('installs every component as specified, publishes the connection, then signals ready', async () => {
    const operator = await createSimulatedOperator();

    expect(await boot(operator)).toEqual({ state: 'ready' });

    expect(
      find(operator, 'apiextensions.k8s.io/v1', 'CustomResourceDefinition', 'interceptrequests.gefyra.dev', undefined),
    ).toBeDefined();
    expect(find(operator, 'v1', 'ServiceAccount', 'gefyra-stowaway')).toBeDefined();
    expect(find(operator, 'v1', 'ConfigMap', 'gefyra-stowaway-proxyroutes')).toBeDefined();
    expect(find(operator, 'apps/v1', 'Deployment', 'gefyra-stowaway')?.['status']).toMatchObject({
      availableReplicas: 1,
    });
    expect(find(operator, 'v1', 'Service', 'gefyra-stowaway-wireguard')?.['spec']).toMatchObject({
      type: 'NodePort',
      ports: [{ protocol: 'UDP', port: 51820, nodePort: 31820 }],
    });
    expect(find(operator, 'v1', 'Service', 'gefyra-stowaway-rsync')?.['spec']).toMatchObject({
      clusterIP: 'None',
      ports: [{ port: 10873 }],
    });
    const peer = operator.stowaway.peerConfig;
    expect(connectionSecret(operator)).toMatchObject({
      'Interface.Address': peer.address,
      'Interface.PrivateKey': peer.privateKey,
      'Interface.ListenPort': String(peer.listenPort),
      'Interface.DNS': peer.dns,
      'Peer.PublicKey': peer.peerPublicKey,
      'Peer.Endpoint': peer.endpoint,
      'Peer.AllowedIPs': peer.allowedIPs,
    });
    expect(readySignals(operator)).toHaveLength(1);
    expect(readySignals(operator)[0]).toMatchObject({
      type: 'Normal',
      involvedObject: { kind: 'Deployment', name: 'gefyra-operator' },
    });
    expect(eventsOf(operator).map((event) => event.reason)).toEqual(['Ready']);
  });

  it('changes nothing when it runs again, and signals only once per process', async () => {
    const operator = await createSimulatedOperator();
    await boot(operator);
    const snapshot = (kind: string, apiVersion = 'v1') =>
      operator.cluster.objects({ apiVersion, kind }).map((object) => object.metadata.resourceVersion);
    const before = ['Service', 'ConfigMap', 'Secret', 'ServiceAccount']
      .map((kind) => snapshot(kind))
      .concat([snapshot('Deployment', 'apps/v1')]);

    expect(await boot(operator)).toEqual({ state: 'ready' });

    expect(
      ['Service', 'ConfigMap', 'Secret', 'ServiceAccount']
        .map((kind) => snapshot(kind))
        .concat([snapshot('Deployment', 'apps/v1')]),
    ).toEqual(before);
    expect(readySignals(operator)).toHaveLength(1);
  });

  it('after a restart, posts a fresh readiness signal in place of the old one', async () => {
    const operator = await createSimulatedOperator();
    await boot(operator);
    const first = readySignals(operator)[0]?.metadata.name;

    const restarted = await operator.restart();
    expect(await boot(restarted)).toEqual({ state: 'ready' });

    const signals = readySignals(restarted);
    expect(signals).toHaveLength(1);
    expect(signals[0]?.metadata.name).not.toBe(first);
  });

  it('keeps the routes a previous operator stored (the 0.13 operator emptied them)', async () => {
    const operator = await createSimulatedOperator();
    await boot(operator);
    await servicesOf(operator).routes.reserve(
      'someone',
      [{ containerPort: 80, destination: { ip: '172.18.0.3', port: 8000 } }],
      signal,
    );

    const restarted = await operator.restart();
    await boot(restarted);

    expect(await servicesOf(restarted).routes.all(signal)).toHaveLength(1);
  });

  it('adopts objects that are already present and brings them to the desired state', async () => {
    const operator = await createSimulatedOperator();
    await operator.cluster.create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'gefyra-stowaway-rsync', namespace: NS },
        spec: { selector: { app: 'something-else' }, ports: [{ port: 1, protocol: 'TCP' }] },
      },
      signal,
    );

    expect(await boot(operator)).toEqual({ state: 'ready' });

    expect(find(operator, 'v1', 'Service', 'gefyra-stowaway-rsync')?.['spec']).toMatchObject({
      selector: { app: 'stowaway' },
      ports: [{ port: 10873 }],
    });
  });

  it('updates the connection details when a restarted Stowaway regenerates them', async () => {
    const operator = await createSimulatedOperator();
    await boot(operator);
    operator.stowaway.setPeerConfig({ endpoint: '198.51.100.9:31820' });
    const [pod] = await operator.cluster.listPods(NS, { app: 'stowaway' }, signal);
    operator.cluster.restartContainer({ namespace: NS, name: pod!.name, container: 'stowaway' });

    await boot(operator);

    expect(connectionSecret(operator)?.['Peer.Endpoint']).toBe('198.51.100.9:31820');
  });
});

describe('BootService: start-up problems are detected and reported', () => {
  it('the node port is taken: names the holder, installs nothing, no ready signal', async () => {
    const operator = await createSimulatedOperator();
    operator.cluster.ensureNamespace('monitoring');
    await operator.cluster.create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'vpn', namespace: 'monitoring' },
        spec: { type: 'NodePort', ports: [{ port: 51820, protocol: 'UDP', nodePort: 31820 }] },
      },
      signal,
    );

    const outcome = await boot(operator);

    expect(outcome).toMatchObject({ state: 'blocked', reason: 'NodePortInUse' });
    expect(outcome.state === 'blocked' && outcome.message).toMatch(
      /node port 31820 is already used by Service monitoring\/vpn.*GEFYRA_STOWAWAY_SERVERPORT/,
    );
    expect(find(operator, 'apps/v1', 'Deployment', 'gefyra-stowaway')).toBeUndefined();
    expect(readySignals(operator)).toHaveLength(0);
    expect(eventsOf(operator)).toEqual([expect.objectContaining({ type: 'Warning', reason: 'NodePortInUse' })]);
  });

  it('reports the same problem once, not on every retry', async () => {
    const operator = await createSimulatedOperator();
    operator.cluster.ensureNamespace('monitoring');
    await operator.cluster.create(
      {
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name: 'vpn', namespace: 'monitoring' },
        spec: { type: 'NodePort', ports: [{ port: 1, nodePort: 31820 }] },
      },
      signal,
    );
    await boot(operator);
    await boot(operator);
    expect(eventsOf(operator)).toHaveLength(1);
  });

  it('insufficient privileges: says what was refused', async () => {
    const operator = await createSimulatedOperator();
    operator.cluster.failNext(
      'apply',
      new DomainError(
        'Forbidden',
        'the operator may not create deployments.apps in namespace gefyra (check its RBAC)',
        { retryable: false },
      ),
      ([manifest]) => (manifest as { kind: string }).kind === 'Deployment',
    );

    const outcome = await boot(operator);

    expect(outcome).toEqual({
      state: 'blocked',
      reason: 'InsufficientPrivileges',
      message: 'the operator may not create deployments.apps in namespace gefyra (check its RBAC)',
    });
  });

  it('the CRD is missing and may not be created: says what to apply', async () => {
    const operator = await createSimulatedOperator();
    operator.cluster.failNext(
      'create',
      new DomainError('Forbidden', 'forbidden'),
      ([manifest]) => (manifest as { kind: string }).kind === 'CustomResourceDefinition',
    );

    const outcome = await boot(operator);

    expect(outcome).toMatchObject({ state: 'blocked', reason: 'CrdMissing' });
    expect(outcome.state === 'blocked' && outcome.message).toMatch(/kubectl apply -f deploy\/crd.yaml/);
  });

  it('Stowaway cannot pull its image: waits, then reports the pull error when the start-up time is up', async () => {
    const operator = await createSimulatedOperator();
    operator.cluster.failImagePull(/stowaway/);

    const first = await boot(operator);
    expect(first).toMatchObject({ state: 'waiting', reason: 'TunnelStarting', recheckAfterMs: 180_000 });
    expect(first.state === 'waiting' && first.message).toMatch(/ErrImagePull/);

    operator.clock.advance(180_000);
    const timedOut = await boot(operator);

    expect(timedOut).toMatchObject({ state: 'blocked', reason: 'TunnelNotReady' });
    expect(timedOut.state === 'blocked' && timedOut.message).toMatch(
      /Stowaway did not become ready within 180s: pod gefyra-stowaway-.*: stowaway: ErrImagePull/,
    );
    expect(connectionSecret(operator)).toBeUndefined();
    expect(readySignals(operator)).toHaveLength(0);
  });

  it('Stowaway runs but has no peer file yet: waits, and signals ready only once it has', async () => {
    const operator = await createSimulatedOperator();
    operator.stowaway.setGenerated(false);

    expect(await boot(operator)).toMatchObject({ state: 'waiting' });
    expect(readySignals(operator)).toHaveLength(0);

    operator.stowaway.setGenerated(true);
    await operator.cluster.probeReadiness();
    expect(await boot(operator)).toEqual({ state: 'ready' });
    expect(readySignals(operator)).toHaveLength(1);
  });

  it('a reset was decided before a crash: finishes the reset instead of booting', async () => {
    const operator = await createSimulatedOperator();
    await boot(operator);
    await operator.cluster.create(
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'gefyra-operator-reset', namespace: NS },
        data: { reason: 'connection lost', requestedAt: '2026-01-01T00:00:00Z' },
      },
      signal,
    );

    expect(await boot(await operator.restart())).toEqual({ state: 'resetPending', reason: 'connection lost' });
  });
});

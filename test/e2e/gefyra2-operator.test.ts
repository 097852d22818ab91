import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Stowaway2Simulator } from '../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { KubernetesClusterApi } from '../../src/adapters/kubernetes/client/index.js';
import { INTERCEPT_REQUEST_CRD_NAME } from '../../src/crd/intercept-request-crd.js';
import { STOWAWAY2 } from '../../src/plugins/gefyra2/tunnel/stowaway2-names.js';
import { GEFYRA2_INSTALLATIONS, useInstalledGefyra2 } from './support/gefyra2-installations.js';
import type { Manifest } from '../../src/ports/cluster-api.port.js';
import { useControlPlane, useSimulatedNode, useTestNamespace } from '../support/control-plane/vitest.js';
import { gefyra2ClientCalls } from './support/gefyra2-lifecycle.js';

const never = new AbortController().signal;
const CRD = { apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' };

// Issue 12: `gefyra-operator run` in the 2.x contract, installed as the 2.5
// client installs it (its ClusterRole, its variables, no InterceptRequest
// rights) and with deploy/gefyra2's least-privilege account, on the real API
// server: Stowaway 2.x installed as a StatefulSet (pod and claim made by
// kube-controller-manager, the container answered by the simulated node as
// the 2.5 image), `Gefyra-Ready` once gefyra-stowaway-0 is ready, then the
// client's calls on a GefyraClient. The namespace is the test's own
// (GEFYRA_NAMESPACE); the cluster-scoped objects are removed after the
// operator has stopped.
describe.each(GEFYRA2_INSTALLATIONS)('gefyra-operator run in the 2.x contract, $title', (installation) => {
  const controlPlane = useControlPlane();
  const node = useSimulatedNode();
  const namespace = useTestNamespace('gefyra2op');
  const simulator = new Stowaway2Simulator({ readConfigMap: (ns, name) => node.readConfigMap(ns, name) });
  const admin = () => new KubernetesClusterApi(controlPlane.adminKubeConfig(), 'gefyra-e2e-admin');
  let removeHandler: (() => void) | undefined;
  // Before the installation's hooks: the node answers Stowaway until the operator has stopped.
  beforeAll(() => void (removeHandler = node.onExec(simulator.handle)));
  afterAll(() => removeHandler?.());
  const gefyra2 = useInstalledGefyra2(installation, controlPlane, namespace);

  it('installs Stowaway 2.x, posts Gefyra-Ready, serves a GefyraClient through WAITING, ACTIVE, WAITING and delete, never forbidden', async () => {
    const operator = await gefyra2.start();
    const serving = await operator.waitForLog(
      (line) => typeof line.msg === 'string' && line.msg.startsWith('serving '),
      { what: 'what it serves', timeoutMs: 60_000 },
    );
    expect(serving).toMatchObject({
      msg: 'serving GefyraClients',
      gefyraClients: true,
      interceptRequests: false,
      interceptRequestsOff: installation.interceptRequestsOff,
    });

    // `gefyra up` waits on core/v1 Events for Gefyra-Ready with an eventTime; `gefyra status` then reads gefyra-stowaway-0.
    const ready = await gefyra2.ready();
    expect(ready['eventTime']).toEqual(expect.any(String));
    const pod = await admin().findPod({ namespace: namespace.name, name: STOWAWAY2.pod }, never);
    expect(pod?.containerStatuses[0]).toMatchObject({ name: STOWAWAY2.container, ready: true });
    // The 0.13 Stowaway is not there: its Deployment and its node port Service would clash with 2.x's.
    expect(await admin().list({ apiVersion: 'apps/v1', kind: 'Deployment' }, namespace.name, undefined, never)).toEqual(
      [],
    );
    // One Service: the developers' WireGuard node port, selecting the 2.x pod (the client makes it too; whoever comes first keeps it).
    const services = await admin().list({ apiVersion: 'v1', kind: 'Service' }, namespace.name, undefined, never);
    expect(services.map((service) => [service.metadata.name, service['spec']])).toEqual([
      [
        'gefyra-stowaway-wireguard',
        expect.objectContaining({
          type: 'NodePort',
          selector: STOWAWAY2.labels,
          ports: [expect.objectContaining({ nodePort: 31820, port: 51820, protocol: 'UDP' })],
        }),
      ],
    ]);
    expect(
      await admin().find(
        { apiVersion: 'v1', kind: 'Secret', namespace: namespace.name, name: 'gefyra-cargo-connection' },
        never,
      ),
    ).toBeUndefined();
    // No InterceptRequests served, so no CRD registered for them (the client's uninstall would leave it behind).
    if (
      gefyra2.absentBefore.some((ref) => ref.name === INTERCEPT_REQUEST_CRD_NAME) &&
      !installation.shipsInterceptRequestCrd
    ) {
      expect(await admin().find({ ...CRD, name: INTERCEPT_REQUEST_CRD_NAME }, never)).toBeUndefined();
    }

    const client = gefyra2ClientCalls(admin(), controlPlane.adminKubeConfig(), namespace.name);
    const stowaway = await client.stowawayPod();
    await client.create('dev-a');
    await client.waitForClient('dev-a', (found) => found?.state === 'WAITING', 'WAITING');
    const raw = (await admin().find(client.ref('dev-a'), never)) as Manifest;
    expect(raw['serviceAccountName']).toBe('gefyra-client-dev-a');

    await client.setSubnet('dev-a', '172.18.0.0/16');
    const active = await client.waitForClient('dev-a', (found) => found?.state === 'ACTIVE', 'ACTIVE');
    expect(active?.providerConfig?.['Interface.Address']).toBe('192.168.99.2');
    expect(active?.providerConfig?.['Peer.Endpoint']).toBe(':31820');

    await client.setSubnet('dev-a', null);
    await client.waitForClient(
      'dev-a',
      (found) => found?.state === 'WAITING' && found.providerConfig === undefined,
      'WAITING again',
    );

    await admin().remove(client.ref('dev-a'), never);
    await client.waitForClient('dev-a', (found) => found === undefined, 'deleted');
    expect(
      await admin().find(
        { apiVersion: 'v1', kind: 'ServiceAccount', namespace: namespace.name, name: 'gefyra-client-dev-a' },
        never,
      ),
    ).toBeUndefined();
    expect(await client.stowawayPod()).toEqual(stowaway);

    expect(await operator.stop()).toMatchObject({ code: 0 });
    expect(operator.logs.filter((line) => /forbidden/i.test(JSON.stringify(line)))).toEqual([]);
    expect(operator.stderr).not.toMatch(/forbidden/i);
  }, 240_000);
});

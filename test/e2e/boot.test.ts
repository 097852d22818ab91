import { CoreV1Api, type V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { componentRefs } from './support/gefyra-state.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import { isReady } from './support/target-pods.js';
import { CLIENT_NETWORK } from '../support/client-network.js';

// Scenario 1 of issue 4: the init phase on an empty cluster, and a restart
// that finds everything in place. One operator process at a time, started
// with the ServiceAccount from the manifests. Each test starts from the bare
// installation (its operators stopped and Gefyra's components removed after
// it), so they pass alone and in any order.
describe('boot on an empty cluster', () => {
  const env = useE2eEnvironment({ freshComponents: true });
  const refs = componentRefs();

  const stowawayPods = async (): Promise<V1Pod[]> =>
    (
      await env
        .admin()
        .makeApiClient(CoreV1Api)
        .listNamespacedPod({ namespace: 'gefyra', labelSelector: 'app=stowaway' })
    ).items;

  it('installs every component, publishes the connection details, posts Gefyra-Ready, and only then turns ready', async () => {
    const state = env.state();
    expect(await state.componentVersions()).toEqual(
      Object.fromEntries(Object.keys(refs).map((role) => [role, undefined])),
    );

    const first = await env.startOperator();
    expect(await first.readyz()).toBe(503);
    expect(await state.coreEvents('Gefyra-Ready')).toEqual([]);

    await first.ready({ what: 'the init phase to complete' });
    // Ready is set after the signal is posted: at the first 200 it is there.
    const signals = await state.coreEvents('Gefyra-Ready');
    expect(signals).toHaveLength(1);
    expect(signals[0]).toMatchObject({
      type: 'Normal',
      involvedObject: { kind: 'Deployment', name: 'gefyra-operator', namespace: 'gefyra' },
    });
    expect(first.logs.map((line) => line.msg)).toContain('init phase complete');

    const deployment = await state.find(refs['deployment']!);
    expect(deployment?.['status']).toMatchObject({ availableReplicas: 1, readyReplicas: 1 });
    expect(deployment?.['spec']).toMatchObject({
      replicas: 1,
      selector: { matchLabels: { app: 'stowaway' } },
      template: {
        metadata: { labels: { app: 'stowaway' } },
        spec: {
          serviceAccountName: 'gefyra-stowaway',
          containers: [
            {
              name: 'stowaway',
              image: expect.stringMatching(/^quay\.io\/gefyra\/stowaway:/),
              ports: [{ containerPort: 51820, protocol: 'UDP' }],
              securityContext: { privileged: true, capabilities: { add: ['NET_ADMIN', 'SYS_MODULE'] } },
              readinessProbe: { exec: { command: ['cat', '/config/peer1/peer1.conf'] } },
              volumeMounts: expect.arrayContaining([
                expect.objectContaining({ mountPath: '/lib/modules' }),
                expect.objectContaining({ mountPath: '/stowaway/proxyroutes' }),
              ]),
            },
          ],
          volumes: expect.arrayContaining([
            expect.objectContaining({ hostPath: expect.objectContaining({ path: '/lib/modules' }) }),
            expect.objectContaining({ configMap: expect.objectContaining({ name: 'gefyra-stowaway-proxyroutes' }) }),
          ]),
        },
      },
    });
    const environment = Object.fromEntries(
      (
        (deployment?.['spec'] as { template: { spec: { containers: { env: { name: string; value: string }[] }[] } } })
          .template.spec.containers[0]?.env ?? []
      ).map((variable) => [variable.name, variable.value]),
    );
    expect(environment).toEqual({
      PEERS: '1',
      SERVERPORT: '31820',
      PUID: '1000',
      PGID: '1000',
      PEERDNS: 'auto',
      INTERNAL_SUBNET: '192.168.99.0',
      // The operators of the e2e tier get GEFYRA_PEER_SUBNET as `gefyra up` sets it: Stowaway routes the client's Docker network to its peer.
      SERVER_ALLOWEDIPS_PEER_1: CLIENT_NETWORK.subnet,
    });
    const pods = await stowawayPods();
    expect(pods).toHaveLength(1);
    expect(pods[0]?.spec?.nodeName).toBe(env.node.name);
    expect(isReady(pods[0]!)).toBe(true);

    expect(await state.find(refs['serviceAccount']!)).toBeDefined();
    expect(await state.find(refs['routes']!)).toBeDefined();
    expect((await state.find(refs['wireguard']!))?.['spec']).toMatchObject({
      type: 'NodePort',
      selector: { app: 'stowaway' },
      ports: [{ protocol: 'UDP', port: 51820, targetPort: 51820, nodePort: 31820 }],
    });
    expect((await state.find(refs['rsync']!))?.['spec']).toMatchObject({
      clusterIP: 'None',
      selector: { app: 'stowaway' },
      ports: [{ protocol: 'TCP', port: 10873 }],
    });

    const peer = env.components.stowaway.peerConfig;
    expect(await state.connectionDetails()).toEqual({
      'Interface.Address': peer.address,
      'Interface.PrivateKey': peer.privateKey,
      'Interface.ListenPort': String(peer.listenPort),
      'Interface.DNS': peer.dns,
      'Peer.PublicKey': peer.peerPublicKey,
      'Peer.Endpoint': peer.endpoint,
      'Peer.AllowedIPs': peer.allowedIPs,
    });
    expect(
      env.node.execLog.filter((entry) => entry.container === 'stowaway').map((entry) => entry.command.join(' ')),
    ).toContain('cat /config/peer1/peer1.conf');
    expect(await state.events()).toContainEqual(
      expect.objectContaining({
        type: 'Normal',
        reason: 'Ready',
        reportingInstance: first.identity,
        regarding: expect.objectContaining({ kind: 'Deployment', name: 'gefyra-operator' }),
      }),
    );
    // The secret material is never logged.
    expect(JSON.stringify(first.logs)).not.toContain(peer.privateKey);
  });

  it('a second start changes nothing and posts a fresh Gefyra-Ready', async () => {
    const state = env.state();
    const first = await env.startOperator();
    await first.ready({ what: 'the first start to complete the init phase' });
    const before = await state.componentVersions();
    const [stowawayBefore] = await stowawayPods();
    const [signalBefore] = await state.coreEvents('Gefyra-Ready');

    expect(await first.stop()).toEqual({ code: 0, signal: null });
    expect(first.logs.map((line) => line.msg)).toContain('stopped; nothing was reset');
    expect(await state.componentVersions()).toEqual(before);

    const second = await env.startOperator();
    await second.ready({ what: 'the second start to complete the init phase' });

    expect(await state.componentVersions()).toEqual(before);
    const [stowawayAfter] = await stowawayPods();
    expect(stowawayAfter?.metadata?.uid).toBe(stowawayBefore?.metadata?.uid);
    const signals = await state.coreEvents('Gefyra-Ready');
    expect(signals).toHaveLength(1);
    expect(signals[0]?.metadata.name).not.toBe(signalBefore?.metadata.name);
    expect(await state.events()).toContainEqual(
      expect.objectContaining({ reason: 'Ready', reportingInstance: second.identity }),
    );
  });
});

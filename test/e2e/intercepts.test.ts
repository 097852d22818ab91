import type { V1Pod } from '@kubernetes/client-node';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClientRequestFields } from '../support/intercept-request-fixtures.js';
import { useE2eEnvironment } from './support/e2e-environment.js';
import {
  clientRequestName,
  createInterceptRequest,
  deleteInterceptRequest,
  statusOf,
  waitForEstablished,
  waitForPhase,
  type InterceptTarget,
} from './support/intercept-requests.js';
import type { OperatorProcess } from './support/operator-process.js';
import { readTable } from './support/table-view.js';
import {
  containerSpecOf,
  containerStatusOf,
  createTargetPod,
  readPod,
  runsImage,
  webContainer,
} from './support/target-pods.js';

const CARRIER = /^quay\.io\/gefyra\/carrier:/;
const TARGET_POD = 'web-7d9c6b5f4-abcde';

// Scenarios 3 and 4 of issue 4: InterceptRequests exactly as the Gefyra 0.13
// client creates them, one good, many bad, each handled by an operator process
// running with the ServiceAccount from the manifests. Every test starts its own
// operator on the bare installation, with its own target namespace and pod;
// after it the operator is stopped, then requests and components are removed,
// so each test passes alone (`-t`) and in any order.
describe('InterceptRequests from the Gefyra 0.13 client', () => {
  const env = useE2eEnvironment({ freshComponents: true });
  let operator: OperatorProcess;

  beforeEach(async () => {
    operator = await env.startOperator();
    await operator.ready({ what: 'the init phase to complete' });
  });

  /** The commands run in a container, oldest first, without the heartbeat's `wg show`. */
  const commandsIn = (container: string, pod?: string): string[] =>
    env.node.execLog
      .filter(
        (entry) =>
          entry.container === container && (pod === undefined || entry.pod === pod) && entry.command[0] !== 'wg',
      )
      .map((entry) => entry.command.join(' '));

  describe('a request for a running pod', () => {
    /** A running target pod in a namespace of this test, and the name the client gives a request for it. */
    async function runningTarget(): Promise<{ target: InterceptTarget; name: string; original: V1Pod }> {
      const namespace = await env.testNamespace('shop');
      const target: InterceptTarget = { namespace, pod: TARGET_POD, container: 'web' };
      const original = await createTargetPod(env.admin(), env.node, { namespace, name: TARGET_POD });
      return { target, name: clientRequestName(target), original };
    }

    /** Creates the request and waits for the status that reports it established (written just after `established`). */
    async function established(target: InterceptTarget, name: string) {
      await createInterceptRequest(env.admin(), target);
      await waitForEstablished(env.admin(), name);
      return await waitForPhase(env.admin(), name, 'Established');
    }

    it('becomes established: route, proxy Service, Carrier running and configured', async () => {
      const { target, name, original } = await runningTarget();
      env.node.clearExecLog();
      const request = await established(target, name);
      expect(request['established']).toBe(true);
      expect(name).toMatch(/^web-to-shop-[0-9a-f]+\.pod\.web-7d9c6b5f4-abcde$/);

      const status = statusOf(request);
      expect(status).toMatchObject({ phase: 'Established', reason: 'Established', originalImage: 'shop/web:1.0' });
      expect(status.conditions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'Ready', status: 'True' }),
          expect.objectContaining({ type: 'Failed', status: 'False' }),
        ]),
      );
      expect(status.routes).toEqual([
        { containerPort: 8080, destinationIP: '172.18.0.3', destinationPort: 8000, proxyPort: expect.any(Number) },
      ]);
      const proxyPort = status.routes![0]!.proxyPort;
      expect(proxyPort).toBeGreaterThanOrEqual(10000);
      expect(proxyPort).toBeLessThanOrEqual(19999);
      expect(proxyPort).not.toBe(10873);

      const routes = await env.state().proxyRoutes();
      expect(Object.values(routes)).toEqual([`172.18.0.3:8000,${proxyPort}`]);
      expect(env.components.stowaway.servedRoutes).toEqual(routes);
      expect(await env.state().proxyServices()).toEqual([`gefyra-stowaway-proxy-${proxyPort}`]);
      const service = await env
        .state()
        .find({ apiVersion: 'v1', kind: 'Service', namespace: 'gefyra', name: `gefyra-stowaway-proxy-${proxyPort}` });
      expect(service?.['spec']).toMatchObject({
        selector: { app: 'stowaway' },
        ports: [{ port: proxyPort, targetPort: proxyPort, protocol: 'TCP' }],
      });

      const pod = await readPod(env.admin(), target.namespace, target.pod);
      expect(runsImage(pod, 'web', CARRIER)).toBe(true);
      expect(containerStatusOf(pod, 'web')?.imageID).toContain('quay.io/gefyra/carrier');
      expect(containerStatusOf(pod, 'web')?.restartCount).toBe(
        (containerStatusOf(original, 'web')?.restartCount ?? 0) + 1,
      );
      expect(containerSpecOf(pod, 'web')).toMatchObject({ command: ['/app/server'], args: ['--port', '8080'] });

      const upstream = `gefyra-stowaway-proxy-${proxyPort}.gefyra.svc.cluster.local:${proxyPort}`;
      expect(
        env.components.carrier.configurationOf({ namespace: target.namespace, name: target.pod, container: 'web' }),
      ).toMatchObject({
        routes: [{ containerPort: 8080, upstream }],
        probePorts: [8081],
      });
      const stowaway = commandsIn('stowaway');
      expect(stowaway).toContain('ls -1 /stowaway/proxyroutes');
      expect(stowaway.lastIndexOf('/bin/bash generate-proxyroutes.sh /stowaway/proxyroutes/')).toBeGreaterThan(
        stowaway.indexOf('ls -1 /stowaway/proxyroutes'),
      );
      // Carrier's scripts only append: its config is read before and after each one.
      const readConfig = 'cat /etc/nginx/nginx.conf';
      expect(commandsIn('web', target.pod)).toEqual([
        readConfig,
        `/bin/busybox sh setroute.sh 8080 ${upstream}`,
        readConfig,
        '/bin/busybox sh setprobe.sh 8081',
        readConfig,
      ]);
      expect(env.node.execLog.every((entry) => entry.result?.exitCode === 0)).toBe(true);

      // The Event follows the status write.
      await env
        .state()
        .waitForEvent(
          (event) => event.regarding.name === name && event.reason === 'Established',
          'the Established Event',
        );
      const events = (await env.state().events()).filter((event) => event.regarding.name === name);
      expect(events).toEqual([
        expect.objectContaining({ type: 'Normal', reason: 'Established', reportingInstance: operator.identity }),
      ]);
      expect(events[0]?.regarding).toMatchObject({ kind: 'InterceptRequest', namespace: 'gefyra' });
    });

    it('a second request for the container is AlreadyIntercepted until the first is deleted, then goes ahead (issue 18, item 8)', async () => {
      const { target, name } = await runningTarget();
      await established(target, name);
      const second = `web-to-${target.namespace}.pod.second`;
      await createInterceptRequest(env.admin(), target, {}, { name: second });
      expect(statusOf(await waitForPhase(env.admin(), second, 'Failed'))).toMatchObject({
        reason: 'AlreadyIntercepted',
        message: expect.stringContaining(`InterceptRequest gefyra/${name}`),
      });

      await deleteInterceptRequest(env.admin(), name);

      // Far sooner than the resync (10 min): the first request's deletion wakes the second.
      await waitForEstablished(env.admin(), second);
      const pod = await readPod(env.admin(), target.namespace, target.pod);
      expect(runsImage(pod, 'web', CARRIER)).toBe(true);
      expect(pod.metadata?.annotations?.['carrier.gefyra.dev/web']).toContain(`gefyra/${second}`);
    });

    it('lists like `kubectl get ireq -o wide`', async () => {
      const { target, name } = await runningTarget();
      await established(target, name);
      const table = await readTable(env.admin(), '/apis/gefyra.dev/v1/namespaces/gefyra/interceptrequests');
      expect(table.columns).toEqual([
        'Name',
        'Target',
        'Namespace',
        'Container',
        'Ports',
        'State',
        'Established',
        'Reason',
        'Age',
      ]);
      const row = table.rows.find((candidate) => candidate['Name'] === name);
      expect(row).toMatchObject({
        Target: target.pod,
        Namespace: target.namespace,
        Container: 'web',
        State: 'Established',
        Established: true,
        Reason: 'Established',
      });
      expect(String(row?.['Ports'])).toContain('8080:8000');
    });

    it('deleting it restores the pod, removes route and Service, and releases the request', async () => {
      const { target, name, original } = await runningTarget();
      await established(target, name);
      env.node.clearExecLog();
      await deleteInterceptRequest(env.admin(), name);

      const pod = await readPod(env.admin(), target.namespace, target.pod);
      expect(runsImage(pod, 'web', 'shop/web:1.0')).toBe(true);
      expect(containerStatusOf(pod, 'web')?.restartCount).toBe(
        (containerStatusOf(original, 'web')?.restartCount ?? 0) + 2,
      );
      expect(pod.spec?.containers).toEqual(original.spec?.containers);
      expect(
        Object.keys(pod.metadata?.annotations ?? {}).filter((key) => key.startsWith('carrier.gefyra.dev/')),
      ).toEqual([]);
      expect(pod.metadata?.labels).toEqual(original.metadata?.labels);

      expect(await env.state().proxyRoutes()).toEqual({});
      expect(await env.state().proxyServices()).toEqual([]);
      expect(env.components.stowaway.servedRoutes).toEqual({});
      expect(commandsIn('stowaway')).toContain('/bin/bash generate-proxyroutes.sh /stowaway/proxyroutes/');
      // Recorded once the finalizer is released, so after the request is gone.
      await env
        .state()
        .waitForEvent((event) => event.regarding.name === name && event.reason === 'Restored', 'the Restored Event');
      const reasons = (await env.state().events())
        .filter((event) => event.regarding.name === name)
        .map((event) => event.reason);
      expect(reasons.sort()).toEqual(['Established', 'Restored']);
    });
  });

  describe('bad requests fail with a reason, change nothing else, and are deleted without leftovers', () => {
    const execProbeContainers = [webContainer({ livenessProbe: { exec: { command: ['/app/healthcheck'] } } })];

    const cases: [string, ClientRequestFields, string, RegExp][] = [
      [
        'bad-ip',
        { destinationIP: '172.18.0.300' },
        'InvalidRequest',
        /destinationIP "172\.18\.0\.300" is not an IPv4 or IPv6 address/,
      ],
      [
        'no-colon',
        { portMappings: ['8080'] },
        'InvalidRequest',
        /"8080" is not of the form <containerPort>:<destinationPort>/,
      ],
      ['port-range', { portMappings: ['8080:70000'] }, 'InvalidRequest', /port 70000 is outside 1-65535/],
      [
        'duplicate',
        { portMappings: ['8080:8000', '8080:8001'] },
        'InvalidRequest',
        /container port 8080 is mapped more than once/,
      ],
      ['no-mappings', { portMappings: [] }, 'InvalidRequest', /portMappings must name at least one/],
      ['missing-pod', { targetPod: 'nope' }, 'TargetPodNotFound', /pod shop-[0-9a-f]+\/nope does not exist/],
      [
        'missing-container',
        { targetContainer: 'db' },
        'TargetContainerNotFound',
        /has no container "db" \(it has: web\)/,
      ],
      ['exec-probe', { handleProbes: true }, 'UnsupportedProbe', /exec/],
    ];

    it.each(cases)('%s', async (suffix, fields, reason, message) => {
      const namespace = await env.testNamespace('shop');
      const pod = 'web-bad';
      const before = await createTargetPod(env.admin(), env.node, {
        namespace,
        name: pod,
        ...(suffix === 'exec-probe' ? { containers: execProbeContainers } : {}),
      });
      const name = `web-to-${namespace}.pod.${suffix}`;

      await createInterceptRequest(env.admin(), { namespace, pod, container: 'web' }, fields, { name });
      const request = await waitForPhase(env.admin(), name, 'Failed');

      expect(request['established']).toBe(false);
      const status = statusOf(request);
      expect(status.reason).toBe(reason);
      expect(status.message).toMatch(message);
      expect(status.conditions).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: 'Failed', status: 'True', reason, message: status.message }),
          expect.objectContaining({ type: 'Ready', status: 'False' }),
        ]),
      );
      const event = await env
        .state()
        .waitForEvent(
          (candidate) => candidate.regarding.name === name && candidate.type === 'Warning',
          `a Warning about ${name}`,
        );
      expect(event).toMatchObject({ reason, note: status.message, reportingInstance: operator.identity });

      expect(await env.state().proxyRoutes()).toEqual({});
      expect(await env.state().proxyServices()).toEqual([]);
      expect((await readPod(env.admin(), namespace, pod)).metadata?.resourceVersion).toBe(
        before.metadata?.resourceVersion,
      );
      // A refusal is reported, never answered by deleting the request (as 0.13 did).
      expect(
        (await env.state().find({ apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', namespace: 'gefyra', name }))
          ?.metadata.uid,
      ).toBe(request.metadata.uid);

      // The client deletes a failed request: the operator releases it, the pod is still untouched.
      await deleteInterceptRequest(env.admin(), name);
      expect(
        await env.state().find({ apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', namespace: 'gefyra', name }),
      ).toBeUndefined();
      expect((await readPod(env.admin(), namespace, pod)).metadata?.resourceVersion).toBe(
        before.metadata?.resourceVersion,
      );
    });
  });
});

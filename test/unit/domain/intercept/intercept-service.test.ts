import { describe, expect, it } from 'vitest';
import { DomainError } from '../../../../src/domain/errors.js';
import { CARRIER_RESTART_COMMAND } from '../../../../src/plugins/carrier/carrier-config-reading.js';
import type { ClusterApi } from '../../../../src/ports/cluster-api.port.js';
import { watchClusterApiCalls } from '../../../../src/testing/cluster-api-proxy.js';
import { servicesOf, type SimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import {
  addTarget,
  bootedOperator,
  createRequest,
  deleteRequest,
  eventsOf,
  proxyServices,
  readRequest,
  REQUEST,
  routeConfigMap,
  settle,
  signal,
  TARGET,
  targetContainer,
} from '../../../support/scenario.js';

const CARRIER_IMAGE = /^quay\.io\/gefyra\/carrier:/;

/** A booted operator, the target pod and a request for it (`fields` on top of the client's), not reconciled yet. */
async function requestedIntercept(fields: Parameters<typeof createRequest>[1] = {}): Promise<SimulatedOperator> {
  const operator = await bootedOperator();
  addTarget(operator);
  await createRequest(operator, fields);
  return operator;
}

/** The same, reconciled until it waits for nothing more. */
async function settledIntercept(fields: Parameters<typeof createRequest>[1] = {}): Promise<SimulatedOperator> {
  const operator = await requestedIntercept(fields);
  await settle(operator);
  return operator;
}

/** An established intercept, then a second request (`second`) for the same container, refused. */
async function withRefusedDuplicate(): Promise<SimulatedOperator> {
  const operator = await settledIntercept();
  await createRequest(operator, {}, 'second');
  await settle(operator, 'second');
  return operator;
}

describe('InterceptService: a request from the Gefyra client', () => {
  it('becomes an established intercept: route, proxy Service, Carrier configured, status and Event', async () => {
    const operator = await settledIntercept({ portMappings: ['8080:8000'] });

    const request = await readRequest(operator);
    expect(request?.['established']).toBe(true);
    expect(request?.['status']).toMatchObject({
      phase: 'Established',
      reason: 'Established',
      // Writing `established` bumped the generation; the status observed it.
      observedGeneration: 2,
      routes: [{ containerPort: 8080, destinationIP: '172.18.0.3', destinationPort: 8000, proxyPort: 10000 }],
      originalImage: 'shop/web:1.0',
      conditions: [
        { type: 'Ready', status: 'True' },
        { type: 'Failed', status: 'False' },
      ],
    });
    expect(Object.values(routeConfigMap(operator))).toEqual(['172.18.0.3:8000,10000']);
    expect(proxyServices(operator)).toEqual(['gefyra-stowaway-proxy-10000']);
    expect(operator.stowaway.servedRoutes).toEqual(routeConfigMap(operator));

    const pod = operator.cluster.peekPod(TARGET)!;
    expect(pod.containers[0]?.image).toMatch(CARRIER_IMAGE);
    expect(pod.containers[0]?.command).toEqual(['/app/server']);
    expect(pod.containerStatuses[0]?.restartCount).toBe(1);
    expect(operator.carrier.configurationOf(TARGET)).toMatchObject({
      routes: [{ containerPort: 8080, upstream: 'gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000' }],
      probePorts: [8081],
    });
    expect(eventsOf(operator, REQUEST.name).map((event) => event.reason)).toEqual(['Established']);
  });

  it('runs the Stowaway and Carrier commands of their contracts, in order', async () => {
    const operator = await requestedIntercept({ portMappings: ['8080:8000'], syncDownDirectories: ['/app/logs'] });
    operator.cluster.clearExecLog();

    await settle(operator);

    expect(operator.cluster.execLog.map((entry) => `${entry.container}: ${entry.command.join(' ')}`)).toEqual([
      `stowaway: mkdir -p /rsync/${TARGET.name}/web`,
      `stowaway: ls -d /rsync/${TARGET.name}/web`,
      'stowaway: ls -1 /stowaway/proxyroutes',
      'stowaway: /bin/bash generate-proxyroutes.sh /stowaway/proxyroutes/',
      // Carrier's scripts only append: its config is read before and after each one.
      'web: cat /etc/nginx/nginx.conf',
      'web: /bin/busybox sh setroute.sh 8080 gefyra-stowaway-proxy-10000.gefyra.svc.cluster.local:10000',
      'web: cat /etc/nginx/nginx.conf',
      'web: /bin/busybox sh setprobe.sh 8081',
      'web: cat /etc/nginx/nginx.conf',
      `web: /bin/busybox sh syncdirs.sh ${TARGET.name}/web /app/logs`,
    ]);
    expect(operator.cluster.execLog.every((entry) => entry.result?.exitCode === 0)).toBe(true);
  });

  it('is idempotent: reconciling an established request again changes nothing', async () => {
    const operator = await settledIntercept();
    const before = await readRequest(operator);
    operator.cluster.clearExecLog();
    operator.cluster.resetCallCounts();

    await settle(operator);

    expect(await readRequest(operator)).toEqual(before);
    expect(operator.cluster.execLog).toEqual([]);
    for (const write of ['apply', 'create', 'replace', 'patch', 'remove', 'patchPod'])
      expect(operator.cluster.callCount(write)).toBe(0);
  });

  it('waits for Carrier to start, says so if it takes a while, then configures it', async () => {
    const operator = await requestedIntercept();
    operator.cluster.stopKubelet();
    const { intercepts } = servicesOf(operator);

    // Carrier usually runs at once: no status write for the first moments.
    expect(await intercepts.reconcile(REQUEST, signal)).toEqual({ done: false, requeueAfterMs: 2000 });
    expect((await readRequest(operator))?.['status']).toBeUndefined();
    operator.clock.advance(2000);
    expect(await intercepts.reconcile(REQUEST, signal)).toEqual({ done: false, requeueAfterMs: 58_000 });
    expect((await readRequest(operator))?.['status']).toMatchObject({
      phase: 'StartingCarrier',
      reason: 'CarrierStarting',
    });

    operator.cluster.startKubelet();
    await settle(operator);
    expect((await readRequest(operator))?.['established']).toBe(true);
  });

  it('ends the intercept on deletion: original container back, route and Service gone, finalizer released', async () => {
    const operator = await settledIntercept({ syncDownDirectories: ['/app/logs'] });
    expect(operator.stowaway.syncDirs.size).toBe(1);

    await deleteRequest(operator);
    await settle(operator);

    expect(await readRequest(operator)).toBeUndefined();
    const pod = operator.cluster.peekPod(TARGET)!;
    expect(pod.containers[0]?.image).toBe('shop/web:1.0');
    expect(pod.containerStatuses[0]?.image).toBe('shop/web:1.0');
    expect(Object.keys(pod.annotations).filter((key) => key.startsWith('carrier.gefyra.dev/'))).toEqual([]);
    expect(pod.labels['carrier.gefyra.dev/intercepted']).toBeUndefined();
    expect(routeConfigMap(operator)).toEqual({});
    expect(proxyServices(operator)).toEqual([]);
    expect(operator.stowaway.servedRoutes).toEqual({});
    expect(operator.stowaway.syncDirs.size).toBe(0);
    expect(
      eventsOf(operator, REQUEST.name)
        .map((event) => event.reason)
        .sort(),
    ).toEqual(['Established', 'Restored']);
  });

  it('gives every intercept its own proxy ports, across requests', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    addTarget(operator, { name: 'web-2' });
    await createRequest(operator, { portMappings: ['8080:8000', '9090:9000'] });
    await createRequest(operator, { targetPod: 'web-2', portMappings: ['8080:8000'] }, 'web-to-shop.pod.web-2');

    await settle(operator);
    await settle(operator, 'web-to-shop.pod.web-2');

    expect(Object.values(routeConfigMap(operator)).sort()).toEqual([
      '172.18.0.3:8000,10000',
      '172.18.0.3:8000,10002',
      '172.18.0.3:9000,10001',
    ]);
    expect(proxyServices(operator)).toEqual([
      'gefyra-stowaway-proxy-10000',
      'gefyra-stowaway-proxy-10001',
      'gefyra-stowaway-proxy-10002',
    ]);
  });

  it('warns about a mapped port the container does not declare, and intercepts it anyway', async () => {
    const operator = await settledIntercept({ portMappings: ['9999:8000'] });

    const request = await readRequest(operator);
    expect(request?.['established']).toBe(true);
    expect(request?.['status']).toMatchObject({
      warnings: ['container web does not declare port 9999; intercepting it anyway'],
    });
    expect(eventsOf(operator, REQUEST.name)).toContainEqual({
      reason: 'PortNotDeclared',
      type: 'Warning',
      note: 'container web does not declare port 9999; intercepting it anyway',
    });
  });

  it('waits, without failing, while the tunnel is not loaded yet (a stale route mount)', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    await operator.stowaway.freezeMount('gefyra');
    await createRequest(operator);

    const result = await servicesOf(operator).intercepts.reconcile(REQUEST, signal);

    expect(result).toEqual({ done: false, requeueAfterMs: 1000 });
    expect((await readRequest(operator))?.['status']).toMatchObject({ phase: 'Routing', reason: 'RoutesPending' });
    expect(operator.stowaway.generateRuns).toHaveLength(0);
    operator.stowaway.refreshMount();
    await settle(operator);
    expect((await readRequest(operator))?.['established']).toBe(true);
  });
});

describe('InterceptService: refusals leave the cluster as it was', () => {
  const refusals: [string, (operator: SimulatedOperator) => Promise<void>, string, RegExp][] = [
    [
      'an invalid request',
      async (op) => void (await createRequest(op, { portMappings: ['8080'] })),
      'InvalidRequest',
      /is not of the form/,
    ],
    [
      'a missing pod',
      async (op) => void (await createRequest(op, { targetPod: 'nope' })),
      'TargetPodNotFound',
      /pod shop\/nope does not exist/,
    ],
    [
      'a missing container',
      async (op) => void (await createRequest(op, { targetContainer: 'db' })),
      'TargetContainerNotFound',
      /has no container "db" \(it has: web\)/,
    ],
    [
      'a pod that is not running',
      async (op) => {
        op.cluster.setPodPhase(TARGET, 'Pending');
        await createRequest(op);
      },
      'TargetPodNotRunning',
      /is Pending, not Running/,
    ],
  ];

  it.each(refusals)('%s', async (_name, arrange, reason, message) => {
    const operator = await bootedOperator();
    addTarget(operator);
    const podBefore = operator.cluster.peekPod(TARGET);
    await arrange(operator);

    await settle(operator);

    const request = await readRequest(operator);
    expect(request?.['established']).toBe(false);
    expect(request?.['status']).toMatchObject({
      phase: 'Failed',
      reason,
      conditions: [
        { type: 'Ready', status: 'False' },
        { type: 'Failed', status: 'True', reason },
      ],
    });
    expect(String((request?.['status'] as { message: string }).message)).toMatch(message);
    expect(eventsOf(operator, REQUEST.name)).toEqual([expect.objectContaining({ type: 'Warning', reason })]);
    expect(routeConfigMap(operator)).toEqual({});
    expect(proxyServices(operator)).toEqual([]);
    expect(operator.cluster.peekPod(TARGET)?.containers).toEqual(podBefore?.containers);
  });

  it('refuses probe handling on an exec probe, but not without probe handling', async () => {
    const operator = await bootedOperator();
    addTarget(operator, { containers: [targetContainer({ livenessProbe: { exec: { command: ['true'] } } })] });
    await createRequest(operator);
    await settle(operator);
    expect((await readRequest(operator))?.['status']).toMatchObject({ phase: 'Failed', reason: 'UnsupportedProbe' });

    await createRequest(operator, { handleProbes: false }, 'second');
    await settle(operator, 'second');
    expect((await readRequest(operator, 'second'))?.['established']).toBe(true);
  });

  it('refuses a second intercept of the same container and keeps the first intact', async () => {
    const operator = await withRefusedDuplicate();

    expect((await readRequest(operator, 'second'))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'AlreadyIntercepted',
    });
    expect((await readRequest(operator))?.['established']).toBe(true);
    expect(Object.values(routeConfigMap(operator))).toHaveLength(1);
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toMatch(CARRIER_IMAGE);
  });

  it('a refused duplicate goes ahead once the first is gone, even when its install first loses a race (409)', async () => {
    const operator = await withRefusedDuplicate();
    expect((await readRequest(operator, 'second'))?.['status']).toMatchObject({ reason: 'AlreadyIntercepted' });
    await deleteRequest(operator);
    await settle(operator);

    // The first request's restore still changing the pod when the second swaps its image in (seen in CI).
    operator.cluster.failNext(
      'patchPod',
      new DomainError('Conflict', 'pods "web" was changed concurrently; retry with a fresh read', { retryable: true }),
    );
    const { intercepts } = servicesOf(operator);
    await expect(intercepts.reconcile({ namespace: REQUEST.namespace, name: 'second' }, signal)).rejects.toMatchObject({
      kind: 'Conflict',
    });
    expect((await readRequest(operator, 'second'))?.['status']).not.toMatchObject({ phase: 'Failed' });
    await settle(operator, 'second');
    expect((await readRequest(operator, 'second'))?.['established']).toBe(true);
  });

  it("a refused duplicate's rollback and deletion leave the live request's sync directory alone (issue 13, defect 7)", async () => {
    const operator = await settledIntercept({ syncDownDirectories: ['/app/logs'] });
    expect(operator.stowaway.syncDirs).toEqual(new Set([`${TARGET.name}/web`]));
    operator.cluster.clearExecLog();

    await createRequest(operator, { syncDownDirectories: ['/app/logs'] }, 'second');
    await settle(operator, 'second');
    await deleteRequest(operator, 'second');
    await settle(operator, 'second');

    expect(operator.cluster.execLog.filter((entry) => entry.command[0] === 'rm')).toEqual([]);
    expect(operator.stowaway.syncDirs).toEqual(new Set([`${TARGET.name}/web`]));
  });

  it("a user's own image edit on the intercepted container is reported as such and kept (issue 13, defect 8)", async () => {
    const operator = await settledIntercept();

    await operator.cluster.patchPod(TARGET, { images: { web: 'shop/web:2.0' } }, signal);
    await settle(operator);

    expect((await readRequest(operator))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'ContainerImageChanged',
      message: expect.stringMatching(
        /changed to shop\/web:2\.0 while it was intercepted; the intercept ended and that image is kept/,
      ),
    });
    const pod = operator.cluster.peekPod(TARGET)!;
    expect(pod.containers[0]?.image).toBe('shop/web:2.0');
    expect(Object.keys(pod.annotations).filter((key) => key.startsWith('carrier.gefyra.dev/'))).toEqual([]);
  });

  it("with Stowaway's exec broken, the target does not keep Carrier past its start-up time (issue 13, item 11)", async () => {
    const operator = await requestedIntercept();
    const dropped = new DomainError('Unavailable', 'exec connection to Stowaway dropped (injected)');
    for (let call = 0; call < 20; call++)
      operator.cluster.failNext(
        'exec',
        dropped,
        ([target]) => (target as { container: string }).container === 'stowaway',
      );
    const { intercepts } = servicesOf(operator);

    await expect(intercepts.reconcile(REQUEST, signal)).rejects.toMatchObject({ kind: 'Unavailable' });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toMatch(CARRIER_IMAGE);
    operator.clock.advance(61_000);
    await settle(operator);

    expect((await readRequest(operator))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'TunnelUnavailable',
      message: expect.stringMatching(
        /did not take the intercept's routes within 60s of installing Carrier: exec connection to Stowaway dropped/,
      ),
    });
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
  });

  it('fails at once, naming the size and the limit, when syncDownDirectories make the exec too large for the API server (issue 18, item 8)', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    // About 620 bytes each in the exec's URL (`command=%2Fdata%2F0001aaa…&`): 1.24 MB, over the API server's 1 MiB.
    const directories = Array.from(
      { length: 2000 },
      (_, index) => `/data/${String(index).padStart(4, '0')}${'a'.repeat(600)}`,
    );
    await createRequest(operator, { syncDownDirectories: directories });

    const started = operator.clock.now().getTime();
    await settle(operator);

    // As soon as Carrier runs (its usual 2 s start), not after a minute of Carrier restarts.
    expect(operator.clock.now().getTime() - started).toBeLessThanOrEqual(2000);

    const status = (await readRequest(operator))?.['status'] as { phase: string; reason: string; message: string };
    expect(status).toMatchObject({ phase: 'Failed', reason: 'RequestTooLarge' });
    expect(status.message).toMatch(
      new RegExp(
        '^syncDownDirectories \\(2000 directories, 1220000 characters\\) cannot be passed to Carrier: ' +
          'exec of \\/bin\\/busybox in container web of pod shop\\/web-7d9c6b5f4-abcde was refused with ' +
          '431 Request Header Fields Too Large: its 2004 arguments make a request URL of \\d{7} bytes, ' +
          'and the API server reads at most 1048576 bytes \\(1 MiB, plus 4096 of slack\\) of request line and headers$',
      ),
    );
    expect(
      operator.cluster.execLog.filter((entry) => entry.command.join(' ') === CARRIER_RESTART_COMMAND.join(' ')),
    ).toEqual([]);
    expect(operator.cluster.peekPod(TARGET)?.containers[0]?.image).toBe('shop/web:1.0');
    expect(eventsOf(operator, REQUEST.name)).toEqual([
      expect.objectContaining({ type: 'Warning', reason: 'RequestTooLarge' }),
    ]);
  }, 30_000);

  it('stays failed until the request is edited, then tries again', async () => {
    const operator = await bootedOperator();
    await createRequest(operator, { targetPod: TARGET.name });
    await settle(operator);
    expect((await readRequest(operator))?.['status']).toMatchObject({ reason: 'TargetPodNotFound' });
    addTarget(operator);
    await settle(operator);
    expect((await readRequest(operator))?.['status']).toMatchObject({ reason: 'TargetPodNotFound' });

    await operator.cluster.patch(
      { apiVersion: 'gefyra.dev/v1', kind: 'InterceptRequest', ...REQUEST },
      { portMappings: ['8080:8001'] },
      signal,
    );
    await settle(operator);
    expect((await readRequest(operator))?.['established']).toBe(true);
  });

  it('deletes a failed request without leftovers', async () => {
    const operator = await bootedOperator();
    await createRequest(operator, { targetPod: 'nope' });
    await settle(operator);
    await deleteRequest(operator);
    await settle(operator);
    expect(await readRequest(operator)).toBeUndefined();
  });
});

describe('InterceptService: failures after work began are rolled back', () => {
  it('restores the pod and releases the routes when Carrier does not start in time', async () => {
    const operator = await bootedOperator();
    addTarget(operator);
    operator.cluster.failImagePull(/carrier/);
    await createRequest(operator);

    const first = await servicesOf(operator).intercepts.reconcile(REQUEST, signal);
    expect(first.done).toBe(false);
    // The pod's next watch event shows the kubelet's trouble.
    operator.clock.advance(2000);
    await servicesOf(operator).intercepts.reconcile(REQUEST, signal);
    expect((await readRequest(operator))?.['status']).toMatchObject({
      phase: 'StartingCarrier',
      message: expect.stringMatching(/ErrImagePull|ImagePullBackOff/),
    });
    operator.clock.advance(60_000);
    await settle(operator);

    const request = await readRequest(operator);
    expect(request?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'CarrierStartTimeout',
      message: expect.stringMatching(/within 60s: .*ImagePull/),
    });
    const pod = operator.cluster.peekPod(TARGET)!;
    expect(pod.containers[0]?.image).toBe('shop/web:1.0');
    expect(pod.containerStatuses[0]).toMatchObject({ image: 'shop/web:1.0', current: { state: 'running' } });
    expect(routeConfigMap(operator)).toEqual({});
    expect(proxyServices(operator)).toEqual([]);
  });

  it('rolls back when the target pod disappears after the intercept was established', async () => {
    const operator = await settledIntercept();

    await operator.cluster.remove({ apiVersion: 'v1', kind: 'Pod', ...TARGET }, signal);
    await settle(operator);

    const request = await readRequest(operator);
    expect(request).toMatchObject({ established: false, status: { phase: 'Failed', reason: 'TargetPodNotFound' } });
    expect(routeConfigMap(operator)).toEqual({});
  });

  it('turns a permission error into a Failed request with the reason, and rolls back', async () => {
    const operator = await requestedIntercept();
    operator.cluster.failNext(
      'patchPod',
      new DomainError('Forbidden', 'the operator may not patch pods in namespace shop', { retryable: false }),
    );

    await settle(operator);

    expect((await readRequest(operator))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'InsufficientPrivileges',
      message: expect.stringMatching(/may not patch pods/),
    });
    expect(routeConfigMap(operator)).toEqual({});
  });

  it('records a failure once per pass and rolls back from it, even when the next read does not show it yet (issue 18, bounded)', async () => {
    let statusWrites = 0;
    const operator = await bootedOperator({
      wrapClusterApi: (cluster) =>
        watchClusterApiCalls(cluster, () => undefined, {
          // A cache that lags: the request's status writes never show in what is read.
          find: async (...[ref, readSignal, options]: Parameters<ClusterApi['find']>) => {
            const found = await cluster.find(ref, readSignal, options);
            return ref.kind === 'InterceptRequest' && found ? { ...found, status: {} } : found;
          },
          patch: async (...[ref, mergePatch, patchSignal, options]: Parameters<ClusterApi['patch']>) => {
            // Bounds the test: before the fix, each pass recorded the failure again and started over.
            if (options?.subresource === 'status' && ++statusWrites > 10)
              throw new Error('the failure was recorded over and over');
            return await cluster.patch(ref, mergePatch, patchSignal, options);
          },
          patchPod: async () => {
            throw new DomainError('Forbidden', 'the operator may not patch pods in namespace shop', {
              retryable: false,
            });
          },
        }),
    });
    addTarget(operator);
    await createRequest(operator);

    expect(await servicesOf(operator).intercepts.reconcile(REQUEST, signal)).toEqual({ done: true });

    expect(statusWrites).toBe(1);
    expect(eventsOf(operator, REQUEST.name).map((event) => event.reason)).toEqual(['InsufficientPrivileges']);
    expect(routeConfigMap(operator)).toEqual({});
  });

  it('retries a passing error and reports it while it lasts', async () => {
    const operator = await requestedIntercept();
    operator.cluster.failNext('patchPod', new DomainError('Unavailable', 'the API server did not answer'));

    await expect(servicesOf(operator).intercepts.reconcile(REQUEST, signal)).rejects.toMatchObject({
      kind: 'Unavailable',
    });
    expect((await readRequest(operator))?.['status']).toMatchObject({
      message: 'step installCarrier failed (attempt 1, retried with growing delays): the API server did not answer',
      failingStep: { step: 'installCarrier', attempts: 1 },
    });
    await settle(operator);
    expect((await readRequest(operator))?.['established']).toBe(true);
    expect((await readRequest(operator))?.['status']).not.toHaveProperty('failingStep');
  });

  it('reports an exhausted proxy port pool clearly', async () => {
    const operator = await bootedOperator({ environment: { GEFYRA_PROXY_PORT_RANGE: '10000-10000' } });
    addTarget(operator);
    await createRequest(operator, { portMappings: ['8080:8000', '8081:8001'] });

    await settle(operator);

    expect((await readRequest(operator))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'ProxyPortsExhausted',
      message: expect.stringMatching(/no free proxy port.*GEFYRA_PROXY_PORT_RANGE/),
    });
  });

  it('configures Carrier again after its container restarted', async () => {
    const operator = await settledIntercept();

    operator.cluster.restartContainer(TARGET);
    expect(operator.carrier.configurationOf(TARGET)).toBeUndefined();
    await settle(operator);

    expect(operator.carrier.configurationOf(TARGET)?.routes).toHaveLength(1);
  });

  it('loads its routes again after Stowaway restarted', async () => {
    const operator = await settledIntercept();
    const stowawayPod = (await operator.cluster.listPods('gefyra', { app: 'stowaway' }, signal))[0]!;
    const runsBefore = operator.stowaway.generateRuns.length;

    operator.cluster.restartContainer({ namespace: 'gefyra', name: stowawayPod.name, container: 'stowaway' });
    await settle(operator);

    expect(operator.stowaway.generateRuns.length).toBe(runsBefore + 1);
    expect(operator.stowaway.servedRoutes).toEqual(routeConfigMap(operator));
  });
});

import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANNOTATION_CHOOSING_CARRIER } from '../../../src/domain/intercept-request/intercept-request.js';
import type { Manifest } from '../../../src/ports/cluster-api.port.js';
import type { SimulatedOperator } from '../../support/simulated-cluster/simulated-operator.js';
import { until, useRunningOperators } from '../../support/running-operators.js';
import { clientRequest } from '../../support/intercept-request-fixtures.js';
import {
  addTarget,
  bootedOperator,
  deleteRequest,
  readRequest,
  REQUEST,
  settle,
  signal,
  TARGET,
} from '../../support/scenario.js';

/**
 * A proxy published as its own npm package, as a third party would write
 * it: plain JavaScript, knowing the operator only by its token names. It
 * does not swap the image: it records itself and its routes on the pod (a
 * stand-in for a sidecar or an ephemeral container), so it fits the
 * CarrierInstaller port only if the port does not assume an image swap.
 */
const PROXY_PLUGIN_SOURCE =
  `
import { ContainerModule } from 'inversify';

const token = (name) => Symbol.for('gefyra-operator/' + name);
const RECORD = 'test-proxy.example/record.';
const ROUTES = 'test-proxy.example/routes.';
const LABELS = { 'test-proxy.example/intercepted': 'true' };

class RecordingProxy {
  name = 'test-proxy';
  displayName = 'TestProxy';
  serves = ['InterceptRequest'];
  startupTimeoutMs = 30000;
  podLabels = LABELS;

  constructor(cluster, clock) {
    this.cluster = cluster;
    this.clock = clock;
  }

  ownersOf(pod) {
    return Object.entries(pod.annotations).filter(([key]) => key.startsWith(RECORD)).map(([, value]) => JSON.parse(value).owner);
  }

  validate(target) {
    return target.handleProbes ? [{ reason: 'ProbesNotAnswered', message: 'TestProxy does not answer probes' }] : [];
  }

  observe(pod, container) {
    const raw = pod.annotations[RECORD + container];
    if (raw === undefined) return { state: 'absent' };
    const record = JSON.parse(raw);
    const base = { owner: record.owner, installedAt: new Date(record.installedAt) };
    const status = pod.containerStatuses.find((candidate) => candidate.name === container);
    return status && status.current.state === 'running' ? { state: 'running', ...base, containerID: status.containerID } : { state: 'starting', ...base };
  }

  install({ pod, container, owner }, signal) {
    const record = JSON.stringify({ owner, installedAt: this.clock.now().toISOString() });
    return this.cluster.patchPod(pod, { labels: LABELS, annotations: { [RECORD + container]: record }, expectedResourceVersion: pod.resourceVersion }, signal);
  }

  async configure(target, configuration, signal) {
    await this.cluster.patchPod(target, { annotations: { [ROUTES + target.container]: JSON.stringify(configuration.routes) } }, signal);
  }

  async restore(target, owner, signal) {
    const pod = await this.cluster.findPod(target, signal);
    const raw = pod && pod.annotations[RECORD + target.container];
    if (!raw || JSON.parse(raw).owner.uid !== owner.uid) return;
    await this.cluster.patchPod(pod, { labels: { 'test-proxy.example/intercepted': null }, ` +
  `annotations: { [RECORD + target.container]: null, [ROUTES + target.container]: null } }, signal);
  }
}

export const plugin = {
  name: 'test-proxy',
  provides: [token('CarrierInstaller')],
  createModule: () =>
    new ContainerModule(({ bind }) => {
      bind(token('CarrierInstaller'))
        .toDynamicValue((context) => new RecordingProxy(context.get(token('ClusterApi')), context.get(token('Clock'))))
        .inSingletonScope();
    }),
};
`;

// In the project's node_modules, so that the operator finds it by its bare name as npm would have installed it.
const PACKAGE = `gefyra-test-proxy-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const PACKAGE_DIR = join(process.cwd(), 'node_modules', PACKAGE);
const PROXY_REQUEST = 'web-to-shop.pod.proxied';
const PROXIED_POD = 'web-proxied';

async function createRequestFor(
  operator: SimulatedOperator,
  name: string,
  targetPod: string,
  fields: Record<string, unknown>,
  carrier?: string,
): Promise<void> {
  const object = clientRequest(
    { targetPod, targetNamespace: TARGET.namespace, targetContainer: TARGET.container, ...fields },
    { name },
  );
  const metadata = object['metadata'] as Record<string, unknown>;
  const withChoice =
    carrier === undefined
      ? object
      : { ...object, metadata: { ...metadata, annotations: { [ANNOTATION_CHOOSING_CARRIER]: carrier } } };
  await operator.cluster.create(withChoice as unknown as Manifest, signal);
}

const proxiedPod = (operator: SimulatedOperator) =>
  operator.cluster.peekPod({ namespace: TARGET.namespace, name: PROXIED_POD });

/** A booted operator with the package loaded by name next to the built-ins, one target pod for each carrier. */
async function operatorWithProxy(): Promise<SimulatedOperator> {
  const operator = await bootedOperator({ environment: { GEFYRA_PLUGINS: `stowaway,carrier,${PACKAGE}` } });
  addTarget(operator);
  addTarget(operator, { name: PROXIED_POD });
  return operator;
}

/** The test-proxy's intercept of PROXIED_POD, established. */
async function proxiedIntercept(operator: SimulatedOperator): Promise<void> {
  await createRequestFor(operator, PROXY_REQUEST, PROXIED_POD, { handleProbes: false }, 'test-proxy');
  await settle(operator, PROXY_REQUEST);
  expect(await readRequest(operator, PROXY_REQUEST)).toMatchObject({ established: true });
  expect(proxiedPod(operator)?.annotations).toHaveProperty(['test-proxy.example/record.web']);
}

describe('a carrier plugin published as its own package', () => {
  const operators: SimulatedOperator[] = [];
  const started = async () => {
    const operator = await operatorWithProxy();
    operators.push(operator);
    return operator;
  };

  beforeAll(async () => {
    await mkdir(PACKAGE_DIR, { recursive: true });
    await writeFile(
      join(PACKAGE_DIR, 'package.json'),
      JSON.stringify({ name: PACKAGE, version: '1.0.0', type: 'module', main: 'index.js' }),
    );
    await writeFile(join(PACKAGE_DIR, 'index.js'), PROXY_PLUGIN_SOURCE);
  });

  afterAll(async () => {
    for (const operator of operators) await operator.stop();
    await rm(PACKAGE_DIR, { recursive: true, force: true });
  });

  it('serves the request that names it, without touching the image, next to the built-in Carrier', async () => {
    const operator = await started();
    await proxiedIntercept(operator);
    await createRequestFor(operator, REQUEST.name, TARGET.name, {});
    await settle(operator);

    expect(await readRequest(operator, PROXY_REQUEST)).toMatchObject({
      established: true,
      status: { phase: 'Established' },
    });
    const pod = proxiedPod(operator)!;
    expect(pod.containers.map((container) => container.image)).toEqual(['shop/web:1.0']);
    expect(Object.keys(pod.annotations).filter((key) => key.startsWith('carrier.gefyra.dev/'))).toEqual([]);
    const routes = JSON.parse(pod.annotations['test-proxy.example/routes.web'] ?? '[]') as {
      containerPort: number;
      proxyPort: number;
    }[];
    expect(routes).toEqual([expect.objectContaining({ containerPort: 8080, proxyPort: expect.any(Number) })]);

    // The request that names no carrier gets the first loaded one: Gefyra's Carrier, by image swap.
    expect(await readRequest(operator)).toMatchObject({ established: true });
    const carried = operator.cluster.peekPod(TARGET)!;
    expect(carried.containers[0]?.image).toMatch(/quay\.io\/gefyra\/carrier:/);
    expect(Object.keys(carried.annotations).filter((key) => key.startsWith('test-proxy.example/'))).toEqual([]);
  });

  it('sees a container held by one carrier when another request would put the other carrier there', async () => {
    const operator = await started();
    await proxiedIntercept(operator);
    await createRequestFor(operator, 'second-to-shop.pod.proxied', PROXIED_POD, {
      handleProbes: false,
      portMappings: ['9090:9000'],
    });
    await settle(operator, 'second-to-shop.pod.proxied');
    expect((await readRequest(operator, 'second-to-shop.pod.proxied'))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'AlreadyIntercepted',
      message: expect.stringContaining(PROXY_REQUEST),
    });
    expect(proxiedPod(operator)?.containers[0]?.image).toBe('shop/web:1.0');
  });

  it('removes itself when its request is deleted', async () => {
    const operator = await started();
    await proxiedIntercept(operator);
    await deleteRequest(operator, PROXY_REQUEST);
    await settle(operator, PROXY_REQUEST);
    expect(await readRequest(operator, PROXY_REQUEST)).toBeUndefined();
    expect(
      Object.keys(proxiedPod(operator)!.annotations).filter((key) => key.startsWith('test-proxy.example/')),
    ).toEqual([]);
    expect(proxiedPod(operator)?.labels).not.toHaveProperty('test-proxy.example/intercepted');
  });

  it('keeps the carrier that installed itself when the request later names another, and restores through it', async () => {
    const operator = await started();
    await proxiedIntercept(operator);
    const stored = (await readRequest(operator, PROXY_REQUEST))!;
    await operator.cluster.replace(
      { ...stored, metadata: { ...stored.metadata, annotations: { [ANNOTATION_CHOOSING_CARRIER]: 'carrier' } } },
      signal,
    );
    await settle(operator, PROXY_REQUEST);
    expect(await readRequest(operator, PROXY_REQUEST)).toMatchObject({
      established: true,
      status: { phase: 'Established' },
    });
    expect(proxiedPod(operator)?.containers[0]?.image).toBe('shop/web:1.0');

    await deleteRequest(operator, PROXY_REQUEST);
    await settle(operator, PROXY_REQUEST);
    expect(await readRequest(operator, PROXY_REQUEST)).toBeUndefined();
    expect(
      Object.keys(proxiedPod(operator)!.annotations).filter((key) => key.startsWith('test-proxy.example/')),
    ).toEqual([]);
  });

  it("refuses a target with the plugin's own reason (its validate)", async () => {
    const operator = await started();
    await createRequestFor(operator, 'probes-to-shop.pod.proxied', PROXIED_POD, { handleProbes: true }, 'test-proxy');
    await settle(operator, 'probes-to-shop.pod.proxied');
    expect((await readRequest(operator, 'probes-to-shop.pod.proxied'))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'ProbesNotAnswered',
      message: 'TestProxy does not answer probes',
    });
  });

  it('refuses a request naming a carrier that is not loaded, saying which are', async () => {
    const operator = await started();
    await createRequestFor(operator, 'typo-to-shop.pod.proxied', PROXIED_POD, { handleProbes: false }, 'test-proxi');
    await settle(operator, 'typo-to-shop.pod.proxied');
    expect((await readRequest(operator, 'typo-to-shop.pod.proxied'))?.['status']).toMatchObject({
      phase: 'Failed',
      reason: 'CarrierNotAvailable',
      message:
        'the request asks for carrier "test-proxi", which is not loaded for InterceptRequests (loaded: carrier, test-proxy)',
    });
    expect(proxiedPod(operator)?.containers[0]?.image).toBe('shop/web:1.0');
  });

  describe('in the running operator', () => {
    const { start } = useRunningOperators();

    it("watches each carrier's pods: a change to a pod the package's carrier holds reaches its request", async () => {
      const operator = await started();
      const runnable = await start(operator);
      await createRequestFor(operator, PROXY_REQUEST, PROXIED_POD, { handleProbes: false }, 'test-proxy');
      await until(runnable, async () => (await readRequest(operator, PROXY_REQUEST))?.['established'] === true);

      // No clock advance, so no resync: only a watch on the package carrier's pods can tell the request.
      await operator.cluster.remove(
        { apiVersion: 'v1', kind: 'Pod', namespace: TARGET.namespace, name: PROXIED_POD },
        signal,
      );
      await until(runnable, async () => (await readRequest(operator, PROXY_REQUEST))?.['established'] !== true);
      expect((await readRequest(operator, PROXY_REQUEST))?.['status']).not.toMatchObject({ phase: 'Established' });
    });
  });
});

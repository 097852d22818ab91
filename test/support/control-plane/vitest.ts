import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, inject } from 'vitest';
import { connectToControlPlane, type ControlPlaneAccess } from './control-plane-access.js';
import { SimulatedNode, type SimulatedNodeOptions } from './node/simulated-node.js';
import { pollUntil } from './polling.js';
import './provided-context.js';

/** The control plane the global setup started, for this test file. */
export function useControlPlane(): ControlPlaneAccess {
  return connectToControlPlane(inject('controlPlane'));
}

/**
 * A SimulatedNode for this test file: started in beforeAll, stopped in
 * afterAll. Every file uses the same node name (`sim-node` unless given), so
 * the new kubelet takes over the Node object and any pods still bound to it,
 * as a restarted kubelet would; between files the Node is NotReady and
 * tainted, so pods created then wait for the next file's kubelet. Files run
 * one at a time, so exactly one kubelet serves the node at any moment.
 * Call it before other hooks so that their afterAll runs while the node still serves.
 */
export function useSimulatedNode(options: Omit<SimulatedNodeOptions, 'kubeConfig'> = {}): SimulatedNode {
  const node = new SimulatedNode({ ...options, kubeConfig: useControlPlane().kubeletKubeConfig() });
  beforeAll(async () => await node.start());
  afterAll(async () => await node.stop());
  return node;
}

/**
 * Creates a namespace with a random suffix and waits for its `default`
 * ServiceAccount (pods cannot be created before it exists); deletes it after
 * the file without waiting for the namespace controller to finish.
 */
export function useTestNamespace(
  prefix: string,
  kubeConfig: () => KubeConfig = () => useControlPlane().adminKubeConfig(),
): { readonly name: string } {
  const name = namespaceName(prefix);
  beforeAll(async () => void (await createTestNamespace(kubeConfig(), prefix, name)));
  afterAll(async () => await deleteTestNamespace(kubeConfig(), name));
  return { name };
}

/**
 * A namespace of each test: a fresh one is created before every test of the
 * file and deleted after it (without waiting for the namespace controller),
 * so that no test sees what another left. `name` is the running test's.
 * Call it after useSimulatedNode, so that the node still serves when it is deleted.
 */
export function useNamespaceOfEachTest(
  prefix: string,
  kubeConfig: () => KubeConfig = () => useControlPlane().adminKubeConfig(),
): { readonly name: string } {
  let current: string | undefined;
  beforeEach(async () => void (current = await createTestNamespace(kubeConfig(), prefix)));
  afterEach(async () => {
    if (current !== undefined) await deleteTestNamespace(kubeConfig(), current);
    current = undefined;
  });
  return {
    get name(): string {
      if (current === undefined) throw new Error('the namespace of a test exists only while the test runs');
      return current;
    },
  };
}

/**
 * Creates a namespace `<prefix>-<random>` (or `name`) and waits for its
 * `default` ServiceAccount and that account's token: before the token
 * controller has made it, the API server refuses pods in the namespace
 * ("No API token found for service account").
 */
export async function createTestNamespace(
  kubeConfig: KubeConfig,
  prefix: string,
  name: string = namespaceName(prefix),
): Promise<string> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({ body: { metadata: { name } } });
  await pollUntil(
    `the token of ServiceAccount ${name}/default`,
    async () =>
      ((await core.readNamespacedServiceAccount({ namespace: name, name: 'default' })).secrets?.length ?? 0) > 0 ||
      undefined,
    { timeoutMs: 30_000 },
  );
  return name;
}

/**
 * Deletes a test namespace without waiting for the namespace controller to
 * empty it. Its node port Services go first and at once: a node port is
 * cluster-wide, and the next file's installation wants the same one.
 */
export async function deleteTestNamespace(kubeConfig: KubeConfig, name: string): Promise<void> {
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const services = await core.listNamespacedService({ namespace: name }).catch(() => ({ items: [] }));
  for (const service of services.items) {
    if (!service.spec?.ports?.some((port) => port.nodePort !== undefined)) continue;
    await core.deleteNamespacedService({ namespace: name, name: service.metadata?.name ?? '' }).catch(() => undefined);
  }
  await core.deleteNamespace({ name }).catch(() => undefined);
}

function namespaceName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

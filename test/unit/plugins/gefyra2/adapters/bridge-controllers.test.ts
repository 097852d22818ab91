import { describe, expect, it } from 'vitest';
import {
  createOperatorRuntime,
  type RunnableOperator,
} from '../../../../../src/composition/operator-runtime-factory.js';
import { gefyra2Module } from '../../../../../src/plugins/gefyra2/gefyra2-module.js';
import {
  GEFYRA_BRIDGE_KIND,
  gefyraBridgeFrom,
} from '../../../../../src/plugins/gefyra2/domain/bridge/gefyra-bridge.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
} from '../../../../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import {
  bridgeMountFrom,
  GEFYRA_BRIDGE_MOUNT_KIND,
} from '../../../../../src/plugins/gefyra2/domain/mount/bridge-mount.js';
import { TOKENS } from '../../../../../src/tokens.js';
import { FakeBridgeRoutes } from '../../../../support/fake-bridge-routes.js';
import { FAKE_CARRIER_IMAGE, FakeCarrierInstaller } from '../../../../support/fake-carrier-installer.js';
import { deployment, WORKLOAD_NAMESPACE } from '../../../../support/gefyra2-bridges-fixture.js';
import { pluginContext } from '../../../../support/plugin-context.js';
import { until } from '../../../../support/running-operators.js';
import { createSimulatedOperator } from '../../../../support/simulated-cluster/simulated-operator.js';

const signal = () => AbortSignal.timeout(10_000);
const gefyra = (kind: string, name: string) => ({ apiVersion: 'gefyra.dev/v1', kind, namespace: 'gefyra', name });

describe('GefyraBridgeMount and GefyraBridge controllers in the runtime', () => {
  it('serve a mount and a bridge from watches alone, a second bridge joins the carriers, and both go with the mount', async () => {
    const operator = await createSimulatedOperator();
    const { cluster, clock } = operator;
    const carrier = new FakeCarrierInstaller(cluster);
    const routes = new FakeBridgeRoutes();
    operator.container.bind(TOKENS.CarrierInstaller).toConstantValue(carrier);
    await operator.container.load(
      gefyra2Module(pluginContext({ GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'true' }), () => routes),
    );
    cluster.ensureNamespace(WORKLOAD_NAMESPACE);
    await cluster.create(deployment('web', 2), signal());
    await cluster.create(
      {
        apiVersion: GEFYRA_CLIENT_API_VERSION,
        kind: GEFYRA_CLIENT_KIND,
        metadata: { name: 'dev-a', namespace: 'gefyra', finalizers: ['operator.gefyra.dev/kopf-finalizer'] },
        provider: 'stowaway',
        state: 'ACTIVE',
        providerParameter: { subnet: '172.18.0.0/16' },
      },
      signal(),
    );
    const mount = () => {
      const object = cluster.peek(gefyra(GEFYRA_BRIDGE_MOUNT_KIND, 'web-mount'));
      return object && bridgeMountFrom(object, 0);
    };
    const bridge = (name: string) => {
      const object = cluster.peek(gefyra(GEFYRA_BRIDGE_KIND, name));
      return object && gefyraBridgeFrom(object);
    };
    const createBridge = (name: string, user: string) =>
      cluster.create(
        {
          ...gefyra(GEFYRA_BRIDGE_KIND, name),
          metadata: {
            name,
            namespace: 'gefyra',
            labels: { 'gefyra.dev/bridge-mount': 'web-mount', 'gefyra.dev/client': 'dev-a' },
          },
          provider: 'carrier2',
          target: 'web-mount',
          client: 'dev-a',
          destinationIP: '172.18.0.3',
          portMappings: ['8000:8080'],
          providerParameter: { rules: [{ match: [{ matchHeader: { name: 'x-user', value: user } }] }] },
        },
        signal(),
      );
    const originals = () =>
      cluster
        .objects({ apiVersion: 'v1', kind: 'Pod' })
        .filter((pod) => pod.metadata.labels?.['app'] === 'web')
        .flatMap((pod) => cluster.peekPod({ namespace: WORKLOAD_NAMESPACE, name: pod.metadata.name }) ?? []);
    const bridgesIn = () =>
      originals().map((pod) => carrier.runningConfiguration(pod)?.routes.map((route) => route.selective?.name));
    let runnable: RunnableOperator | undefined;
    try {
      runnable = createOperatorRuntime(operator.container);
      await runnable.runtime.start();
      const started = runnable;
      const time = { clock, stepMs: 1000 };
      await cluster.create(
        {
          ...gefyra(GEFYRA_BRIDGE_MOUNT_KIND, 'web-mount'),
          metadata: { name: 'web-mount', namespace: 'gefyra' },
          provider: 'carrier2mount',
          target: 'deploy/web',
          targetNamespace: WORKLOAD_NAMESPACE,
          targetContainer: 'app',
        },
        signal(),
      );
      await until(started, () => mount()?.state === 'ACTIVE', 100, time);
      expect(originals().every((pod) => pod.containers[0]?.image === FAKE_CARRIER_IMAGE)).toBe(true);

      await createBridge('bridge-a', 'alice');
      await until(started, () => bridge('bridge-a')?.state === 'ACTIVE');
      clock.advance(1000);
      await createBridge('bridge-b', 'bob');
      await until(started, () => bridge('bridge-b')?.state === 'ACTIVE');
      expect(bridgesIn()).toEqual([
        ['bridge-a', 'bridge-b'],
        ['bridge-a', 'bridge-b'],
      ]);

      // A restarted original loses its configuration: the pod's watch brings the mount to push it again.
      const [first] = originals();
      cluster.restartContainer({ namespace: WORKLOAD_NAMESPACE, name: first!.name, container: 'app' });
      expect(carrier.runningConfiguration(cluster.peekPod(first!)!)).toBeUndefined();
      await until(started, () => bridgesIn().every((names) => names?.length === 2));

      await cluster.remove(gefyra(GEFYRA_BRIDGE_MOUNT_KIND, 'web-mount'), signal());
      await until(
        started,
        () => mount() === undefined && bridge('bridge-a') === undefined && bridge('bridge-b') === undefined,
      );
      expect(originals().every((pod) => pod.containers[0]?.image === 'example.test/shop-web:1')).toBe(true);
      expect(routes.held().size).toBe(0);
      expect(
        cluster.peek({ apiVersion: 'apps/v1', kind: 'Deployment', namespace: WORKLOAD_NAMESPACE, name: 'web-gefyra' }),
      ).toBeUndefined();
    } finally {
      await runnable?.runtime.stop();
      await operator.stop();
    }
  });

  it('at start removes the routes of bridges deleted while no operator ran (finalizer stripped by --force)', async () => {
    const operator = await createSimulatedOperator();
    const routes = new FakeBridgeRoutes();
    operator.container.bind(TOKENS.CarrierInstaller).toConstantValue(new FakeCarrierInstaller(operator.cluster));
    await operator.container.load(
      gefyra2Module(pluginContext({ GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'true' }), () => routes),
    );
    // What the last operator left: the route of a bridge the client then deleted with its finalizer stripped.
    await routes.route({ bridge: 'web-alice', client: 'dev-a' }, [
      { containerPort: 8080, destination: '172.18.0.3:8000' },
    ]);
    let runnable: RunnableOperator | undefined;
    try {
      runnable = createOperatorRuntime(operator.container);
      await runnable.runtime.start();
      // No clock advance: the start looks, not a timer.
      await until(runnable, () => routes.held().size === 0);
      expect(routes.calls).toEqual(['route web-alice', 'unroute web-alice']);
    } finally {
      await runnable?.runtime.stop();
      await operator.stop();
    }
  });
});

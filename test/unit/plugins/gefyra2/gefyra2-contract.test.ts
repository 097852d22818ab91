import { describe, expect, it } from 'vitest';
import { controllerScope } from '../../../support/controller-scope.js';
import { Stowaway2Simulator } from '../../../support/simulated-cluster/simulators/stowaway2-simulator.js';
import { createOperatorRuntime } from '../../../../src/composition/operator-runtime-factory.js';
import { RUNTIME } from '../../../../src/tokens.js';
import type { ControllerFactory } from '../../../../src/adapters/runtime/controller.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
  gefyraClientFrom,
} from '../../../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { createSimulatedOperator } from '../../../support/simulated-cluster/simulated-operator.js';
import { SERVICES } from '../../../../src/tokens.js';
import { resolve } from '../../../../src/plugins/resolve.js';
import { until } from '../../../support/running-operators.js';

const signal = () => AbortSignal.timeout(10_000);
const ref = (name: string) => ({
  apiVersion: GEFYRA_CLIENT_API_VERSION,
  kind: GEFYRA_CLIENT_KIND,
  namespace: 'gefyra',
  name,
});

describe('the operator in the Gefyra 2.x contract', () => {
  it('runs the installation and the GefyraClient, mount and bridge controllers; no InterceptRequests on a tunnel that routes none', async () => {
    const operator = await createSimulatedOperator({ environment: { GEFYRA_CLIENT_CONTRACT: '2' } });
    const controllers = operator.container
      .getAll<ControllerFactory>(RUNTIME.Controllers)
      .map((create) => create(controllerScope()));
    expect(controllers.map(({ name }) => name)).toEqual(['boot', 'gefyraclient', 'gefyrabridgemount', 'gefyrabridge']);
  });

  it('is recognised from a variable only the 2.5 client sets, as the client installs it', async () => {
    const operator = await createSimulatedOperator({
      environment: { GEFYRA_CARRIER2_IMAGE: 'quay.io/gefyra/carrier2' },
    });
    const controllers = operator.container
      .getAll<ControllerFactory>(RUNTIME.Controllers)
      .map((create) => create(controllerScope()));
    expect(controllers.map(({ name }) => name)).toContain('gefyraclient');
  });

  it('keeps serving InterceptRequests in the 0.13 contract', async () => {
    const operator = await createSimulatedOperator();
    const controllers = operator.container
      .getAll<ControllerFactory>(RUNTIME.Controllers)
      .map((create) => create(controllerScope()));
    expect(controllers.map(({ name }) => name)).toEqual(['boot', 'reset', 'intercept', 'heartbeat']);
  });

  it('installs Stowaway 2.x, not 0.13, posts Gefyra-Ready once its pod is ready, publishes no installation-wide connection, and serves a client', async () => {
    // No token controller in memory: the client's ServiceAccount is the client's own business here.
    const operator = await createSimulatedOperator({
      environment: { GEFYRA_CLIENT_CONTRACT: '2', GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'true' },
    });
    const { cluster } = operator;
    const simulator = new Stowaway2Simulator({
      readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
    });
    cluster.onExec(simulator.handle);
    const runnable = createOperatorRuntime(operator.container);
    await runnable.runtime.start();
    try {
      const readyEvents = () =>
        cluster.objects({ apiVersion: 'v1', kind: 'Event' }).filter((event) => event['reason'] === 'Gefyra-Ready');
      await until(runnable, () => readyEvents().length === 1);
      expect(readyEvents()[0]?.['eventTime']).toEqual(expect.any(String));
      expect(
        cluster.objects({ apiVersion: 'apps/v1', kind: 'StatefulSet' }).map((object) => object.metadata.name),
      ).toEqual(['gefyra-stowaway']);
      expect(cluster.objects({ apiVersion: 'apps/v1', kind: 'Deployment' })).toEqual([]);
      // One Service: the developers' way in, selecting the 2.x pod (no proxy Services of 0.13).
      expect(
        cluster
          .objects({ apiVersion: 'v1', kind: 'Service' })
          .map((object) => [object.metadata.name, (object['spec'] as { selector?: object }).selector]),
      ).toEqual([
        [
          'gefyra-stowaway-wireguard',
          { 'gefyra.dev/app': 'stowaway', 'gefyra.dev/role': 'connection', 'gefyra.dev/provider': 'stowaway' },
        ],
      ]);
      expect(cluster.objects({ apiVersion: 'v1', kind: 'Secret' }).map((object) => object.metadata.name)).not.toContain(
        'gefyra-cargo-connection',
      );
      // It serves no InterceptRequests, so it registers no CRD for them either.
      expect(
        cluster
          .objects({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition' })
          .map((object) => object.metadata.name),
      ).not.toContain('interceptrequests.gefyra.dev');

      await cluster.create(
        { ...ref('dev-a'), metadata: { name: 'dev-a', namespace: 'gefyra' }, provider: 'stowaway' },
        signal(),
      );
      const client = () => {
        const object = cluster.peek(ref('dev-a'));
        return object && gefyraClientFrom(object);
      };
      await until(runnable, () => client()?.state === 'WAITING');
      await cluster.patch(ref('dev-a'), { providerParameter: { subnet: '172.18.0.0/16' } }, signal());
      await until(runnable, () => client()?.state === 'ACTIVE');
      expect(client()?.providerConfig?.['Interface.Address']).toBe('192.168.99.2');
    } finally {
      await runnable.runtime.stop();
      await operator.stop();
    }
  });

  it("reports Stowaway 2.x's pull error as the boot's problem once its start-up time is up, and posts no Gefyra-Ready", async () => {
    const operator = await createSimulatedOperator({ environment: { GEFYRA_CLIENT_CONTRACT: '2' } });
    operator.cluster.failImagePull(/stowaway/);
    const boot = () => resolve(operator.container, SERVICES.BootService).reconcile(signal());
    expect(await boot()).toMatchObject({ state: 'waiting', reason: 'TunnelStarting' });
    operator.clock.advance(180_000);
    const blocked = await boot();
    expect(blocked).toMatchObject({ state: 'blocked', reason: 'TunnelNotReady' });
    expect(blocked.state === 'blocked' && blocked.message).toMatch(
      /Stowaway 2\.x did not become ready within 180s: pod gefyra-stowaway-0: stowaway: ErrImagePull/,
    );
    expect(
      operator.cluster
        .objects({ apiVersion: 'v1', kind: 'Event' })
        .filter((event) => event['reason'] === 'Gefyra-Ready'),
    ).toEqual([]);
  });
});

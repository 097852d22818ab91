import { describe, expect, it } from 'vitest';
import { Stowaway2Simulator } from '../../../../support/simulated-cluster/simulators/stowaway2-simulator.js';
import type { Container } from 'inversify';
import { gefyra2Module } from '../../../../../src/plugins/gefyra2/gefyra2-module.js';
import type { GefyraClientController } from '../../../../../src/plugins/gefyra2/adapters/gefyra-client-controller.js';
import type { PluginContext } from '../../../../../src/plugins/plugin.js';
import type { ControllerFactory, ControllerScope } from '../../../../../src/adapters/runtime/controller.js';
import {
  createOperatorRuntime,
  type RunnableOperator,
} from '../../../../../src/composition/operator-runtime-factory.js';
import { RUNTIME } from '../../../../../src/tokens.js';
import {
  GEFYRA_CLIENT_API_VERSION,
  GEFYRA_CLIENT_KIND,
  gefyraClientFrom,
} from '../../../../../src/plugins/gefyra2/domain/client/gefyra-client.js';
import { Stowaway2Installer } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-installer.js';
import { stowaway2SettingsOf } from '../../../../../src/plugins/gefyra2/tunnel/stowaway2-settings.js';
import { pluginContext } from '../../../../support/plugin-context.js';
import { createSimulatedOperator } from '../../../../support/simulated-cluster/simulated-operator.js';
import { until } from '../../../../support/running-operators.js';

const signal = () => AbortSignal.timeout(10_000);
const ref = (name: string) => ({
  apiVersion: GEFYRA_CLIENT_API_VERSION,
  kind: GEFYRA_CLIENT_KIND,
  namespace: 'gefyra',
  name,
});

/** The GefyraClient controller the gefyra2 plugin's module registers, built from the container it is loaded into. */
async function gefyraClientController(container: Container, context: PluginContext): Promise<GefyraClientController> {
  await container.load(gefyra2Module(context));
  // The module registers the GefyraClient, mount and bridge controllers, in that order, after the core's.
  const [create] = container.getAll<ControllerFactory>(RUNTIME.Controllers).slice(-3);
  return create!(undefined as unknown as ControllerScope) as GefyraClientController;
}

describe('GefyraClient controller in the runtime', () => {
  it('serves clients from watches and re-applies their peers when Stowaway comes back without them', async () => {
    const operator = await createSimulatedOperator();
    const { cluster } = operator;
    const simulator = new Stowaway2Simulator({
      readConfigMap: (namespace, name) => cluster.readConfigMap(namespace, name),
    });
    cluster.onExec(simulator.handle);
    await new Stowaway2Installer(cluster, stowaway2SettingsOf(pluginContext())).ensureInstalled(signal());
    // The GefyraClient controller as the gefyra2 plugin registers it, here with a 0.13 operator's controllers.
    await operator.container.load(gefyra2Module(pluginContext({ GEFYRA_DISABLE_CLIENT_SA_MANAGEMENT: 'true' })));
    let runnable: RunnableOperator | undefined;
    try {
      runnable = createOperatorRuntime(operator.container);
      await runnable.runtime.start();
      const started = runnable;
      const client = (name: string) => {
        const object = cluster.peek(ref(name));
        return object && gefyraClientFrom(object);
      };
      for (const name of ['dev-a', 'dev-b']) {
        await cluster.create({ ...ref(name), metadata: { name, namespace: 'gefyra' }, provider: 'stowaway' }, signal());
      }
      await until(started, () => client('dev-a')?.state === 'WAITING' && client('dev-b')?.state === 'WAITING');
      await cluster.patch(ref('dev-a'), { providerParameter: { subnet: '172.18.0.0/16' } }, signal());
      await cluster.patch(ref('dev-b'), { providerParameter: { subnet: '172.19.0.0/16' } }, signal());
      await until(started, () => client('dev-a')?.state === 'ACTIVE' && client('dev-b')?.state === 'ACTIVE');
      const before = client('dev-a')?.providerConfig?.['Interface.PublicKey'];

      const stowaway = { namespace: 'gefyra', name: 'gefyra-stowaway-0', container: 'stowaway' };
      for (const path of simulator.files('gefyra', stowaway.name).keys())
        await cluster.exec(stowaway, ['rm', '-rf', path], signal());
      await cluster.remove({ apiVersion: 'v1', kind: 'Pod', namespace: 'gefyra', name: stowaway.name }, signal());
      // Nothing changed on the clients: the pod's watch alone brings each to check its peer.
      await until(started, () => {
        const live = simulator.livePeers('gefyra', stowaway.name);
        const a = client('dev-a')?.providerConfig?.['Interface.PublicKey'];
        const b = client('dev-b')?.providerConfig?.['Interface.PublicKey'];
        return a !== before && live.has(a ?? '') && live.has(b ?? '');
      });
      const events = cluster
        .objects({ apiVersion: 'events.k8s.io/v1', kind: 'Event' })
        .map((event) => String(event['note']));
      expect(events.filter((note) => note.startsWith('peer restored in the tunnel'))).toHaveLength(2);
    } finally {
      await runnable?.runtime.stop();
      await operator.stop();
    }
  });

  it('wakes a client when the token controller fills its token Secret, and nobody for other Secrets; a refused client when another goes', async () => {
    const operator = await createSimulatedOperator();
    try {
      const controller = await gefyraClientController(operator.container, pluginContext());
      const [clients, , secrets] = controller.watches;
      const event = (type: 'ADDED' | 'MODIFIED' | 'DELETED', kind: string, name: string) => ({
        type,
        object: { apiVersion: 'v1', kind, metadata: { name, namespace: 'gefyra' } },
      });
      expect(clients?.keysOf(event('ADDED', GEFYRA_CLIENT_KIND, 'dev-a'))).toEqual(['dev-a']);
      expect(secrets?.keysOf(event('MODIFIED', 'Secret', 'gefyra-client-dev-a-token'))).toEqual(['dev-a']);
      expect(secrets?.keysOf(event('MODIFIED', 'Secret', 'gefyra-client-dev-b-token'))).toEqual([]);
      expect(secrets?.keysOf(event('MODIFIED', 'Secret', 'gefyra-cargo-connection'))).toEqual([]);
      expect(secrets?.keysOf(event('DELETED', 'Secret', 'gefyra-client-dev-a-token'))).toEqual([]);
      // A client refused for sharing dev-a's peer id is woken when a client goes (dev-a's id may be free), until it is no longer refused.
      const refused = {
        type: 'MODIFIED' as const,
        object: {
          ...event('MODIFIED', GEFYRA_CLIENT_KIND, 'dev.a').object,
          status: { failure: { reason: 'PeerIdTaken' } },
        },
      };
      expect(clients?.keysOf(refused)).toEqual(['dev.a']);
      expect(clients?.keysOf(event('DELETED', GEFYRA_CLIENT_KIND, 'dev-b'))).toEqual(['dev-b', 'dev.a']);
      expect(clients?.keysOf(event('MODIFIED', GEFYRA_CLIENT_KIND, 'dev.a'))).toEqual(['dev.a']);
      expect(clients?.keysOf(event('DELETED', GEFYRA_CLIENT_KIND, 'dev-a'))).toEqual(['dev-a']);
    } finally {
      await operator.stop();
    }
  });
});

import { ContainerModule, type Container } from 'inversify';
import { ClusterClientAccounts } from '../adapters/kubernetes/cluster-stores/cluster-client-accounts.js';
import { ClusterGefyraClientStore } from '../adapters/kubernetes/cluster-stores/cluster-gefyra-client-store.js';
import { GefyraClientController } from '../adapters/runtime/controllers/gefyra-client-controller.js';
import type { ClientLifecycleSettings } from '../domain/gefyra-client/client-decision.js';
import { GefyraClientService } from '../domain/gefyra-client/gefyra-client-service.js';
import { clientLifecycleSettingsOf } from '../plugins/stowaway2/client-lifecycle-settings.js';
import type { PluginContext } from '../plugins/plugin.js';
import { STOWAWAY2 } from '../plugins/stowaway2/stowaway2-names.js';
import { Stowaway2Peers } from '../plugins/stowaway2/stowaway2-peers.js';
import { stowaway2SettingsOf, type Stowaway2Settings } from '../plugins/stowaway2/stowaway2-settings.js';
import { TOKENS } from '../ports/tokens.js';
import { resolve } from '../plugins/resolve.js';
import { RUNTIME } from './runtime-tokens.js';

/**
 * Gefyra 2's GefyraClient controller on Stowaway 2.x, built from a composed
 * container and what the plugins get (namespace, subnets, environment).
 * Registered with the manager by gefyraClientModule (or bound under
 * RUNTIME.Controllers by a test).
 */
export function gefyraClientController(container: Pick<Container, 'get'>, context: PluginContext): GefyraClientController {
  return controllerFrom(container, context.namespace, stowaway2SettingsOf(context), clientLifecycleSettingsOf(context.environment));
}

/** Registers the GefyraClient controller with the manager: Gefyra 2's clients become one more controller. Its settings are read now, at start. */
export function gefyraClientModule(container: Container, context: PluginContext): ContainerModule {
  const settings = stowaway2SettingsOf(context);
  const lifecycle = clientLifecycleSettingsOf(context.environment);
  return new ContainerModule(({ bind }) => {
    bind(RUNTIME.Controllers).toConstantValue(() => controllerFrom(container, context.namespace, settings, lifecycle));
  });
}

function controllerFrom(container: Pick<Container, 'get'>, namespace: string, settings: Stowaway2Settings, lifecycle: ClientLifecycleSettings): GefyraClientController {
  const cluster = resolve(container, TOKENS.ClusterApi);
  const service = new GefyraClientService(
    {
      store: new ClusterGefyraClientStore(cluster),
      peers: new Stowaway2Peers(cluster, settings),
      accounts: new ClusterClientAccounts(cluster, namespace),
      events: resolve(container, TOKENS.EventRecorder),
      clock: resolve(container, TOKENS.Clock),
      logger: resolve(container, TOKENS.Logger).child({ component: 'gefyraclient' }),
    },
    lifecycle,
  );
  return new GefyraClientController(service, namespace, STOWAWAY2.labels);
}

import { ContainerModule, type Container } from 'inversify';
import { ClusterClientAccounts } from '../adapters/kubernetes/cluster-stores/cluster-client-accounts.js';
import { ClusterGefyraClientStore } from '../adapters/kubernetes/cluster-stores/cluster-gefyra-client-store.js';
import { GefyraClientController } from '../adapters/runtime/controllers/gefyra-client-controller.js';
import { GefyraClientService } from '../domain/gefyra-client/gefyra-client-service.js';
import { parseEnvironment } from '../environment.js';
import { clientLifecycleEnvironmentSchema, clientLifecycleSettingsFrom } from '../plugins/stowaway2/client-lifecycle-settings.js';
import { STOWAWAY2 } from '../plugins/stowaway2/stowaway2-names.js';
import { Stowaway2Peers } from '../plugins/stowaway2/stowaway2-peers.js';
import { stowaway2EnvironmentSchema, stowaway2SettingsFrom } from '../plugins/stowaway2/stowaway2-settings.js';
import { TOKENS } from '../ports/tokens.js';
import { resolve } from '../plugins/resolve.js';
import { RUNTIME } from './runtime-tokens.js';

/**
 * Gefyra 2's GefyraClient controller on Stowaway 2.x, built from a composed
 * container and the operator's environment. Registered with the manager by
 * gefyraClientModule (or bound under RUNTIME.Controllers by a test).
 */
export function gefyraClientController(container: Pick<Container, 'get'>, namespace: string, environment: Readonly<Record<string, string | undefined>>): GefyraClientController {
  const cluster = resolve(container, TOKENS.ClusterApi);
  const settings = stowaway2SettingsFrom(parseEnvironment(stowaway2EnvironmentSchema, environment), namespace);
  const service = new GefyraClientService(
    {
      store: new ClusterGefyraClientStore(cluster),
      peers: new Stowaway2Peers(cluster, settings),
      accounts: new ClusterClientAccounts(cluster, namespace),
      events: resolve(container, TOKENS.EventRecorder),
      clock: resolve(container, TOKENS.Clock),
      logger: resolve(container, TOKENS.Logger).child({ component: 'gefyraclient' }),
    },
    clientLifecycleSettingsFrom(parseEnvironment(clientLifecycleEnvironmentSchema, environment)),
  );
  return new GefyraClientController(service, namespace, STOWAWAY2.labels);
}

/** Registers the GefyraClient controller with the manager: Gefyra 2's clients become one more controller. */
export function gefyraClientModule(container: Container, namespace: string, environment: Readonly<Record<string, string | undefined>>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(RUNTIME.Controllers).toConstantValue(() => gefyraClientController(container, namespace, environment));
  });
}

import type { Container } from 'inversify';
import { ClusterClientAccounts } from '../adapters/cluster/cluster-client-accounts.js';
import { ClusterGefyraClientStore } from '../adapters/cluster/cluster-gefyra-client-store.js';
import { GefyraClientController } from '../adapters/runtime/controllers/gefyra-client-controller.js';
import { GefyraClientService } from '../domain/gefyra-client/gefyra-client-service.js';
import { parseEnvironment } from '../plugins/environment.js';
import { clientLifecycleEnvironmentSchema, clientLifecycleSettingsFrom } from '../plugins/stowaway2/client-lifecycle-settings.js';
import { STOWAWAY2 } from '../plugins/stowaway2/stowaway2-names.js';
import { Stowaway2Peers } from '../plugins/stowaway2/stowaway2-peers.js';
import { stowaway2EnvironmentSchema, stowaway2SettingsFrom } from '../plugins/stowaway2/stowaway2-settings.js';
import { TOKENS } from '../ports/tokens.js';
import { resolve } from './resolve.js';

/**
 * Gefyra 2's GefyraClient controller on Stowaway 2.x, built from a composed
 * container and the operator's environment: hand it to createOperatorRuntime
 * (`createOperatorRuntime(container, [gefyraClientController(...)])`).
 */
export function gefyraClientController(container: Container, namespace: string, environment: Readonly<Record<string, string | undefined>>): GefyraClientController {
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

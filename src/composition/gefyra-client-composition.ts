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
import type { Logger } from '../ports/logger.port.js';
import { ClusterOperatorInstallation } from '../adapters/kubernetes/cluster-stores/cluster-operator-installation.js';
import { Gefyra2Uninstall } from '../adapters/kubernetes/cluster-stores/gefyra2-uninstall.js';
import { loadGefyra2Config } from '../gefyra2/gefyra2-config.js';
import { WEBHOOK_DEPLOYMENT } from './webhook-composition.js';
import { resolve } from '../plugins/resolve.js';
import { RUNTIME } from './runtime-tokens.js';

/**
 * Gefyra 2's GefyraClient controller on Stowaway 2.x, built from a composed
 * container and the operator's environment, with what it needs to remove
 * the installation when the operator is being removed. Registered with the
 * manager by gefyraClientModule (or bound under RUNTIME.Controllers by a test).
 */
export function gefyraClientController(container: Pick<Container, 'get'>, namespace: string, environment: Readonly<Record<string, string | undefined>>): GefyraClientController {
  const parts = gefyra2Parts(container, namespace, environment);
  return new GefyraClientController(parts.service, namespace, STOWAWAY2.labels, {
    installation: resolve(container, TOKENS.OperatorInstallation),
    uninstall: gefyra2Uninstall(container, namespace, environment, parts),
    logger: parts.logger,
  });
}

/** The removal of a Gefyra 2.x installation (`gefyra-operator reset` in the 2.x contract, and the operator's own removal). */
export function gefyra2Uninstall(
  container: Pick<Container, 'get'>,
  namespace: string,
  environment: Readonly<Record<string, string | undefined>>,
  parts: Gefyra2Parts = gefyra2Parts(container, namespace, environment),
): Gefyra2Uninstall {
  const cluster = resolve(container, TOKENS.ClusterApi);
  // deploy/gefyra2 gives the webhook an account of its own; its cluster RBAC goes with the operator's.
  const webhookAccount = new ClusterOperatorInstallation(cluster, { namespace, clusterRole: WEBHOOK_DEPLOYMENT, interceptRequests: false }, parts.logger);
  return new Gefyra2Uninstall({
    objects: cluster,
    clients: parts.service,
    accounts: parts.accounts,
    tunnel: resolve(container, TOKENS.TunnelProvider),
    installations: [resolve(container, TOKENS.OperatorInstallation), webhookAccount],
    namespace,
    webhookConfiguration: loadGefyra2Config(environment).webhook.configuration,
    logger: parts.logger,
  });
}

interface Gefyra2Parts {
  readonly service: GefyraClientService;
  readonly accounts: ClusterClientAccounts;
  readonly logger: Logger;
}

function gefyra2Parts(container: Pick<Container, 'get'>, namespace: string, environment: Readonly<Record<string, string | undefined>>): Gefyra2Parts {
  const cluster = resolve(container, TOKENS.ClusterApi);
  const settings = stowaway2SettingsFrom(parseEnvironment(stowaway2EnvironmentSchema, environment), namespace);
  const accounts = new ClusterClientAccounts(cluster, namespace);
  const logger = resolve(container, TOKENS.Logger).child({ component: 'gefyraclient' });
  const service = new GefyraClientService(
    {
      store: new ClusterGefyraClientStore(cluster),
      peers: new Stowaway2Peers(cluster, settings),
      accounts,
      events: resolve(container, TOKENS.EventRecorder),
      clock: resolve(container, TOKENS.Clock),
      logger,
    },
    clientLifecycleSettingsFrom(parseEnvironment(clientLifecycleEnvironmentSchema, environment)),
  );
  return { service, accounts, logger };
}

/** Registers the GefyraClient controller with the manager: Gefyra 2's clients become one more controller. */
export function gefyraClientModule(container: Container, namespace: string, environment: Readonly<Record<string, string | undefined>>): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(RUNTIME.Controllers).toConstantValue(() => gefyraClientController(container, namespace, environment));
  });
}

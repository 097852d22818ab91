import { ContainerModule, type Container } from 'inversify';
import { ClusterClientAccounts } from './adapters/cluster-client-accounts.js';
import { ClusterGefyraClientStore } from './adapters/cluster-gefyra-client-store.js';
import { GefyraClientController } from './adapters/gefyra-client-controller.js';
import type { ClientLifecycleSettings } from './domain/client/client-decision.js';
import { GefyraClientService } from './domain/client/gefyra-client-service.js';
import { clientLifecycleSettingsOf } from './tunnel/client-lifecycle-settings.js';
import type { PluginContext } from '../plugin.js';
import { STOWAWAY2 } from './tunnel/stowaway2-names.js';
import { Stowaway2Peers } from './tunnel/stowaway2-peers.js';
import { stowaway2SettingsOf, type Stowaway2Settings } from './tunnel/stowaway2-settings.js';
import { TOKENS } from '../../tokens.js';
import type { Logger } from '../../ports/logger.port.js';
import { ClusterOperatorInstallation } from '../../adapters/kubernetes/cluster-stores/cluster-operator-installation.js';
import { Gefyra2Uninstall } from './adapters/gefyra2-uninstall.js';
import { loadWebhookSettings } from './webhook-settings.js';
import { WEBHOOK_DEPLOYMENT } from '../../adapters/webhook/webhook-runner.js';
import { resolve } from '../resolve.js';
import { RUNTIME } from '../../tokens.js';

/**
 * Gefyra 2's GefyraClient controller on Stowaway 2.x, built from a composed
 * container and what the plugins get (namespace, subnets, environment), with
 * what it needs to remove the installation when the operator is being
 * removed. Registered with the manager by gefyraClientModule (or bound under
 * RUNTIME.Controllers by a test).
 */
export function gefyraClientController(
  container: Pick<Container, 'get'>,
  context: PluginContext,
): GefyraClientController {
  return controllerFrom(
    container,
    context,
    stowaway2SettingsOf(context),
    clientLifecycleSettingsOf(context.environment),
  );
}

/** Registers the GefyraClient controller with the manager: Gefyra 2's clients become one more controller. Its settings are read now, at start. */
export function gefyraClientModule(container: Container, context: PluginContext): ContainerModule {
  const settings = stowaway2SettingsOf(context);
  const lifecycle = clientLifecycleSettingsOf(context.environment);
  return new ContainerModule(({ bind }) => {
    bind(RUNTIME.Controllers).toConstantValue(() => controllerFrom(container, context, settings, lifecycle));
  });
}

function controllerFrom(
  container: Pick<Container, 'get'>,
  context: PluginContext,
  settings: Stowaway2Settings,
  lifecycle: ClientLifecycleSettings,
): GefyraClientController {
  const parts = gefyra2Parts(container, context.namespace, settings, lifecycle);
  return new GefyraClientController(parts.service, context.namespace, STOWAWAY2.labels, {
    installation: resolve(container, TOKENS.OperatorInstallation),
    uninstall: uninstallFrom(container, context, parts),
    logger: parts.logger,
  });
}

/** The removal of a Gefyra 2.x installation (`gefyra-operator reset` in the 2.x contract, and the operator's own removal). */
export function gefyra2Uninstall(container: Pick<Container, 'get'>, context: PluginContext): Gefyra2Uninstall {
  return uninstallFrom(
    container,
    context,
    gefyra2Parts(
      container,
      context.namespace,
      stowaway2SettingsOf(context),
      clientLifecycleSettingsOf(context.environment),
    ),
  );
}

function uninstallFrom(
  container: Pick<Container, 'get'>,
  context: PluginContext,
  parts: Gefyra2Parts,
): Gefyra2Uninstall {
  const cluster = resolve(container, TOKENS.ClusterApi);
  const { namespace } = context;
  // deploy/gefyra2 gives the webhook an account of its own; its cluster RBAC goes with the operator's.
  const webhookAccount = new ClusterOperatorInstallation(
    cluster,
    { namespace, clusterRole: WEBHOOK_DEPLOYMENT, interceptRequests: false },
    parts.logger,
  );
  return new Gefyra2Uninstall({
    objects: cluster,
    clients: parts.service,
    accounts: parts.accounts,
    tunnel: resolve(container, TOKENS.TunnelProvider),
    installations: [resolve(container, TOKENS.OperatorInstallation), webhookAccount],
    namespace,
    webhookConfiguration: loadWebhookSettings(context.environment).configuration,
    logger: parts.logger,
  });
}

interface Gefyra2Parts {
  readonly service: GefyraClientService;
  readonly accounts: ClusterClientAccounts;
  readonly logger: Logger;
}

function gefyra2Parts(
  container: Pick<Container, 'get'>,
  namespace: string,
  settings: Stowaway2Settings,
  lifecycle: ClientLifecycleSettings,
): Gefyra2Parts {
  const cluster = resolve(container, TOKENS.ClusterApi);
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
    lifecycle,
  );
  return { service, accounts, logger };
}

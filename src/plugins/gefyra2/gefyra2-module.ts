import { ContainerModule, type ResolutionContext } from 'inversify';
import { ClusterOperatorInstallation } from '../../adapters/kubernetes/cluster-stores/cluster-operator-installation.js';
import type { ClusterApi } from '../../ports/cluster-api.port.js';
import type { Clock } from '../../ports/clock.port.js';
import { RUNTIME, SERVICES, TOKENS, type Token } from '../../tokens.js';
import type { PluginContext } from '../plugin.js';
import { resolve, resolveAll } from '../resolve.js';
import { GefyraBridgeController } from './adapters/gefyra-bridge-controller.js';
import { GefyraBridgeMountController } from './adapters/gefyra-bridge-mount-controller.js';
import { bridgeServices, gefyraBridgesOn, type BridgeServices } from './bridge-services.js';
import { StoredClientBridges } from './domain/bridge/client-bridges.js';
import { missingGracePeriodMsOf } from './gefyra2-config.js';
import type { BridgeRoutes } from './ports/bridge-routes.port.js';
import { clientLifecycleSettingsOf } from './client-lifecycle-settings.js';
import { ClusterClientAccounts } from './adapters/cluster-client-accounts.js';
import { ClusterGefyraClientStore } from './adapters/cluster-gefyra-client-store.js';
import { GefyraClientController } from './adapters/gefyra-client-controller.js';
import { Gefyra2Uninstall } from './adapters/gefyra2-uninstall.js';
import { WEBHOOK_DEPLOYMENT } from './adapters/gefyra2-webhook.js';
import { GefyraClientService } from './domain/client/gefyra-client-service.js';
import { STOWAWAY2 } from './tunnel/stowaway2-names.js';
import { Stowaway2Peers } from './tunnel/stowaway2-peers.js';
import { Stowaway2Routes } from './tunnel/stowaway2-routes.js';
import { stowaway2SettingsOf } from './tunnel/stowaway2-settings.js';
import { loadWebhookSettings } from './webhook-settings.js';

/**
 * The removal of a Gefyra 2 installation (`gefyra-operator reset` in this
 * contract, and the operator's own removal). Bound by gefyra2Module; only
 * this plugin resolves it, so its token stays here.
 */
export const GEFYRA2_UNINSTALL = Symbol.for('gefyra-operator/gefyra2/Uninstall') as Token<Gefyra2Uninstall>;
const CLIENT_SERVICE = Symbol.for('gefyra-operator/gefyra2/GefyraClientService') as Token<GefyraClientService>;
const ACCOUNTS = Symbol.for('gefyra-operator/gefyra2/ClientAccounts') as Token<ClusterClientAccounts>;
const BRIDGE_SERVICES = Symbol.for('gefyra-operator/gefyra2/BridgeServices') as Token<BridgeServices>;
const BRIDGE_ROUTES = Symbol.for('gefyra-operator/gefyra2/BridgeRoutes') as Token<BridgeRoutes>;

/** The tunnel's side of bridges; Stowaway 2.x's proxy routes unless a test gives its own. */
type BridgeRoutesFactory = (cluster: ClusterApi, clock: Clock, context: PluginContext) => BridgeRoutes;

const stowaway2Routes: BridgeRoutesFactory = (cluster, clock, { namespace }) =>
  new Stowaway2Routes(cluster, clock, namespace);

/**
 * Gefyra 2's part of the container: the GefyraClient service on Stowaway
 * 2.x's peers, the mount and bridge services on the loaded carriers and
 * Stowaway 2.x's proxy routes, their removal, and their controllers
 * registered with the manager. The one place that builds them; the settings
 * are read once, when the module is made (a bad value stops the start).
 */
export function gefyra2Module(
  context: PluginContext,
  bridgeRoutesOf: BridgeRoutesFactory = stowaway2Routes,
): ContainerModule {
  const { namespace } = context;
  const tunnel = stowaway2SettingsOf(context);
  const lifecycle = clientLifecycleSettingsOf(context.environment);
  const webhook = loadWebhookSettings(context.environment);
  const missingGracePeriodMs = missingGracePeriodMsOf(context.environment);
  const loggerOf = (ctx: ResolutionContext, component = 'gefyraclient') =>
    resolve(ctx, TOKENS.Logger).child({ component });
  return new ContainerModule(({ bind }) => {
    bind(ACCOUNTS)
      .toDynamicValue((ctx) => new ClusterClientAccounts(resolve(ctx, TOKENS.ClusterApi), namespace))
      .inSingletonScope();
    bind(CLIENT_SERVICE)
      .toDynamicValue((ctx) => {
        const cluster = resolve(ctx, TOKENS.ClusterApi);
        return new GefyraClientService(
          {
            store: new ClusterGefyraClientStore(cluster),
            peers: new Stowaway2Peers(cluster, tunnel),
            accounts: resolve(ctx, ACCOUNTS),
            bridges: new StoredClientBridges(gefyraBridgesOn(cluster)),
            events: resolve(ctx, TOKENS.EventRecorder),
            clock: resolve(ctx, TOKENS.Clock),
            logger: loggerOf(ctx),
          },
          lifecycle,
        );
      })
      .inSingletonScope();
    bind(GEFYRA2_UNINSTALL)
      .toDynamicValue((ctx) => {
        const cluster = resolve(ctx, TOKENS.ClusterApi);
        const logger = loggerOf(ctx);
        // deploy/gefyra2 gives the webhook an account of its own; its cluster RBAC goes with the operator's.
        const webhookAccount = new ClusterOperatorInstallation(
          cluster,
          { namespace, clusterRole: WEBHOOK_DEPLOYMENT, interceptRequests: false },
          logger,
        );
        return new Gefyra2Uninstall({
          objects: cluster,
          clients: resolve(ctx, CLIENT_SERVICE),
          mounts: resolve(ctx, BRIDGE_SERVICES).mounts,
          bridges: resolve(ctx, BRIDGE_SERVICES).bridges,
          accounts: resolve(ctx, ACCOUNTS),
          tunnel: resolve(ctx, TOKENS.TunnelProvider),
          installations: [resolve(ctx, TOKENS.OperatorInstallation), webhookAccount],
          namespace,
          webhookConfiguration: webhook.configuration,
          logger,
        });
      })
      .inSingletonScope();
    bind(RUNTIME.Controllers).toDynamicValue(
      (ctx) => () =>
        new GefyraClientController(resolve(ctx, CLIENT_SERVICE), namespace, STOWAWAY2.labels, {
          installation: resolve(ctx, TOKENS.OperatorInstallation),
          uninstall: resolve(ctx, GEFYRA2_UNINSTALL),
          logger: loggerOf(ctx),
        }),
    );
    bind(BRIDGE_ROUTES)
      .toDynamicValue((ctx) => bridgeRoutesOf(resolve(ctx, TOKENS.ClusterApi), resolve(ctx, TOKENS.Clock), context))
      .inSingletonScope();
    bind(BRIDGE_SERVICES)
      .toDynamicValue((ctx) =>
        bridgeServices(
          {
            cluster: resolve(ctx, TOKENS.ClusterApi),
            routes: resolve(ctx, BRIDGE_ROUTES),
            installers: resolveAll(ctx, TOKENS.CarrierInstaller),
            events: resolve(ctx, TOKENS.EventRecorder),
            clock: resolve(ctx, TOKENS.Clock),
            logger: resolve(ctx, TOKENS.Logger),
          },
          { missingGracePeriodMs, destinationSubnets: resolve(ctx, SERVICES.Config).policy.destinationSubnets },
        ),
      )
      .inSingletonScope();
    bind(RUNTIME.Controllers).toDynamicValue(
      (ctx) => () =>
        new GefyraBridgeMountController(
          resolve(ctx, BRIDGE_SERVICES).mounts,
          namespace,
          resolveAll(ctx, TOKENS.CarrierInstaller),
        ),
    );
    bind(RUNTIME.Controllers).toDynamicValue(
      (ctx) => () =>
        new GefyraBridgeController(resolve(ctx, BRIDGE_SERVICES).bridges, namespace, loggerOf(ctx, 'gefyrabridge')),
    );
  });
}

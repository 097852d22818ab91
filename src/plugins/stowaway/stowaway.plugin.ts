import { ContainerModule } from 'inversify';
import { resolve } from '../resolve.js';
import { TUNNEL_WATCHES } from '../../adapters/runtime/tunnel-watches.js';
import { TOKENS } from '../../tokens.js';
import type { OperatorPlugin } from '../plugin.js';
import { StowawayHeartbeat } from './stowaway-heartbeat.js';
import { STOWAWAY } from './stowaway-names.js';
import { StowawayRouteStore } from './stowaway-route-store.js';
import { StowawayRouter } from './stowaway-router.js';
import { stowawaySettings, stowawaySettingsOf } from './stowaway-settings.js';
import { stowawayCommonSettings } from '../shared/stowaway-common-settings.js';
import { StowawayTunnelProvider } from './stowaway-tunnel-provider.js';

/** Gefyra's Stowaway as the tunnel: lifecycle, routes (and their store) and heartbeat. */
export const stowawayPlugin: OperatorPlugin = {
  name: 'stowaway',
  provides: [TOKENS.TunnelProvider, TOKENS.TunnelRouter, TOKENS.TunnelHeartbeat, TOKENS.RouteStore],
  settings: [stowawayCommonSettings, stowawaySettings],
  deploymentEnvironment: { GEFYRA_STOWAWAY_SERVERPORT: '31820', GEFYRA_STOWAWAY_STARTUP_TIMEOUT: '180' },
  rbac: {
    namespaced: [
      // Stowaway's Deployment: applied (server-side apply: patch, create), read and watched, removed.
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
      // Stowaway's and the proxy Services: applied, read, cached (the proxies' owners), removed.
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'] },
      // Stowaway's ServiceAccount: applied and removed, never read.
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['create', 'patch', 'delete'] },
      // Stowaway's pod: found by label, marked when the routes change, and exec'd into (routes, sync, heartbeat, peer config).
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'patch'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
    ],
  },
  createModule(context) {
    const settings = stowawaySettingsOf(context);
    return new ContainerModule(({ bind }) => {
      bind(TUNNEL_WATCHES).toConstantValue([
        { apiVersion: 'v1', kind: 'Pod', namespace: context.namespace, labels: STOWAWAY.podLabels },
      ]);
      bind(TOKENS.TunnelProvider)
        .toDynamicValue(
          (ctx) => new StowawayTunnelProvider(resolve(ctx, TOKENS.ClusterApi), resolve(ctx, TOKENS.Clock), settings),
        )
        .inSingletonScope();
      bind(TOKENS.TunnelRouter)
        .toDynamicValue(
          (ctx) => new StowawayRouter(resolve(ctx, TOKENS.ClusterApi), resolve(ctx, TOKENS.Clock), settings),
        )
        .inSingletonScope();
      bind(TOKENS.TunnelHeartbeat)
        .toDynamicValue((ctx) => new StowawayHeartbeat(resolve(ctx, TOKENS.ClusterApi), settings))
        .inSingletonScope();
      bind(TOKENS.RouteStore)
        .toDynamicValue(
          (ctx) =>
            new StowawayRouteStore(
              resolve(ctx, TOKENS.ClusterApi),
              settings,
              resolve(ctx, TOKENS.Logger).child({ component: 'route-store' }),
            ),
        )
        .inSingletonScope();
    });
  },
};

import { ContainerModule } from 'inversify';
import { TUNNEL_WATCHES } from '../../../adapters/runtime/tunnel-watches.js';
import { TOKENS } from '../../../tokens.js';
import type { OperatorPlugin } from '../../plugin.js';
import { resolve } from '../../resolve.js';
import { STOWAWAY2 } from './stowaway2-names.js';
import { stowawayCommonSettings } from '../../shared/stowaway-common-settings.js';
import { stowaway2Settings, stowaway2SettingsOf } from './stowaway2-settings.js';
import { Stowaway2TunnelProvider } from './stowaway2-tunnel-provider.js';

/**
 * Gefyra 2's Stowaway as the tunnel (contract §3): the StatefulSet the 2.5
 * client checks for, one WireGuard peer per GefyraClient. It provides the
 * tunnel's lifecycle only: it has no route table, proxies or heartbeat, so
 * an operator on it serves GefyraClients and no InterceptRequests.
 */
export const gefyra2TunnelPlugin: OperatorPlugin = {
  // The name GEFYRA_PLUGINS gives it, as documented and set by installations: kept.
  name: 'stowaway2',
  provides: [TOKENS.TunnelProvider],
  settings: [stowawayCommonSettings, stowaway2Settings],
  deploymentEnvironment: { GEFYRA_STOWAWAY_STARTUP_TIMEOUT: '180' },
  rbac: {
    namespaced: [
      // Stowaway's StatefulSet: applied (server-side apply: patch, create), read and watched, removed.
      {
        apiGroups: ['apps'],
        resources: ['statefulsets'],
        verbs: ['get', 'list', 'watch', 'create', 'patch', 'delete'],
      },
      // The WireGuard NodePort Service: read, created when the client has not made it, removed with the installation.
      // The bridges' proxy Services: applied (server-side apply: patch, create), listed for their owners, removed.
      { apiGroups: [''], resources: ['services'], verbs: ['get', 'list', 'create', 'patch', 'delete'] },
      // The bridges' route table: read, replaced at the version read, created when the installation has not made it.
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create'] },
      { apiGroups: [''], resources: ['configmaps'], verbs: ['update'], resourceNames: [STOWAWAY2.routesConfigMap] },
      // Its volume claim (made by the StatefulSet controller): removed with the installation.
      { apiGroups: [''], resources: ['persistentvolumeclaims'], verbs: ['delete'] },
      // Stowaway's and each developer's ServiceAccount: created and removed; a developer's read back (its token Secret).
      { apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'create', 'patch', 'delete'] },
      // Stowaway's pod: read by name and label, exec'd into (peers, `wg`, peer files), annotated after a route change.
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'patch'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
      // Each developer's token Secret: created, read back for serviceAccountData, removed.
      { apiGroups: [''], resources: ['secrets'], verbs: ['get', 'create', 'delete'] },
      // The GefyraClients: their state and fields written (no status subresource), their finalizer removed, deleted at sunset.
      {
        apiGroups: ['gefyra.dev'],
        resources: ['gefyraclients'],
        verbs: ['get', 'list', 'watch', 'patch', 'update', 'delete'],
      },
    ],
  },
  createModule(context) {
    const settings = stowaway2SettingsOf(context);
    return new ContainerModule(({ bind }) => {
      bind(TUNNEL_WATCHES).toConstantValue([
        { apiVersion: 'v1', kind: 'Pod', namespace: context.namespace, labels: STOWAWAY2.labels },
        { apiVersion: 'apps/v1', kind: 'StatefulSet', namespace: context.namespace },
      ]);
      bind(TOKENS.TunnelProvider)
        .toDynamicValue(
          (ctx) =>
            new Stowaway2TunnelProvider(
              resolve(ctx, TOKENS.ClusterApi),
              resolve(ctx, TOKENS.Clock),
              settings,
              settings.startupTimeoutMs,
            ),
        )
        .inSingletonScope();
    });
  },
};

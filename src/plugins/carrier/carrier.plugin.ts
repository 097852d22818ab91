import { ContainerModule } from 'inversify';
import { resolve } from '../resolve.js';
import { TOKENS } from '../../tokens.js';
import type { OperatorPlugin } from '../plugin.js';
import { GefyraCarrierInstaller } from './carrier-installer.js';
import { carrierSettings, carrierSettingsOf } from './carrier-settings.js';

/** Gefyra's Carrier as the proxy that replaces an intercepted container. */
export const carrierPlugin: OperatorPlugin = {
  name: 'carrier',
  provides: [TOKENS.CarrierInstaller],
  settings: [carrierSettings],
  deploymentEnvironment: { GEFYRA_CARRIER_STARTUP_TIMEOUT: '60' },
  rbac: {
    cluster: [
      // The image swap and its restore, and the record of a sync, on the target pod in any namespace.
      { apiGroups: [''], resources: ['pods'], verbs: ['patch'] },
      // Configuring Carrier by exec (its scripts); WebSocket exec is authorised as `get` on older API servers, as `create` on newer ones.
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
    ],
  },
  createModule(context) {
    const settings = carrierSettingsOf(context);
    return new ContainerModule(({ bind }) => {
      bind(TOKENS.CarrierInstaller)
        .toDynamicValue(
          (ctx) => new GefyraCarrierInstaller(resolve(ctx, TOKENS.ClusterApi), resolve(ctx, TOKENS.Clock), settings),
        )
        .inSingletonScope();
    });
  },
};

import { ContainerModule } from 'inversify';
import { resolve } from '../resolve.js';
import { TOKENS } from '../../tokens.js';
import type { OperatorPlugin } from '../plugin.js';
import { Carrier2Installer } from './carrier2-installer.js';
import { carrier2Settings, carrier2SettingsOf } from './carrier2-settings.js';

/** Its variables, which the 2.5 client sets: the Gefyra 2 contract recognises its Deployments by them. */
export { carrier2Settings };

/** Gefyra's carrier2 as the selective proxy a GefyraBridgeMount puts in front of a workload's pods. */
export const carrier2Plugin: OperatorPlugin = {
  name: 'carrier2',
  provides: [TOKENS.CarrierInstaller],
  settings: [carrier2Settings],
  deploymentEnvironment: { GEFYRA_CARRIER2_STARTUP_TIMEOUT: '60' },
  rbac: {
    cluster: [
      // The image swap, its restore and the record of a push, on the mounted pods in any namespace.
      { apiGroups: [''], resources: ['pods'], verbs: ['patch'] },
      // The config push by exec; WebSocket exec is authorised as `get` on older API servers, as `create` on newer ones.
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['get', 'create'] },
    ],
  },
  createModule(context) {
    const settings = carrier2SettingsOf(context);
    return new ContainerModule(({ bind }) => {
      bind(TOKENS.CarrierInstaller)
        .toDynamicValue(
          (ctx) => new Carrier2Installer(resolve(ctx, TOKENS.ClusterApi), resolve(ctx, TOKENS.Clock), settings),
        )
        .inSingletonScope();
    });
  },
};

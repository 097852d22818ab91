import { ContainerModule } from 'inversify';
import { withRequesterWebhook } from '../../install/install-manifests.js';
import { carrierPlugin } from '../carrier/carrier.plugin.js';
import type { ClientContractPlugin } from '../plugin.js';
import { stowawayPlugin } from '../stowaway/stowaway.plugin.js';

/**
 * The Gefyra 0.13 client contract: InterceptRequests on Stowaway 0.13 and
 * Carrier, installed from deploy/ with the webhook that stamps requesters.
 * InterceptRequests, routes and their controllers are the core domain
 * (src/domain, composition/runtime-controllers.ts) and run under any contract
 * whose tunnel routes them, so this contract adds no controllers, modes or
 * reset of its own: it is what runs when nothing recognises another client.
 */
export const gefyra013Plugin: ClientContractPlugin = {
  name: 'gefyra013',
  provides: [],
  createModule: () => new ContainerModule(() => {}),
  contract: {
    value: '0.13',
    // The fallback: the 0.13 client sets no variable of its own.
    recognises: () => false,
    defaultPlugins: [stowawayPlugin.name, carrierPlugin.name],
    interceptRequestsOptional: false,
    manifests: withRequesterWebhook,
  },
};

import { carrierPlugin } from './carrier/carrier.plugin.js';
import { carrier2Plugin } from './carrier2/carrier2.plugin.js';
import { gefyra013Plugin } from './gefyra013/gefyra013.plugin.js';
import { gefyra2Plugin } from './gefyra2/gefyra2.plugin.js';
import { gefyra2TunnelPlugin } from './gefyra2/tunnel/gefyra2-tunnel.plugin.js';
import type { ClientContractPlugin, OperatorPlugin } from './plugin.js';
import { stowawayPlugin } from './stowaway/stowaway.plugin.js';

/** The plugins that ship with the operator, by the name GEFYRA_PLUGINS gives them. */
export const BUILT_IN_PLUGINS: Readonly<Record<string, OperatorPlugin>> = {
  [stowawayPlugin.name]: stowawayPlugin,
  [gefyra2TunnelPlugin.name]: gefyra2TunnelPlugin,
  [carrierPlugin.name]: carrierPlugin,
  [carrier2Plugin.name]: carrier2Plugin,
};

/** The client contracts that ship with the operator, in the order `manifests --contract` and GEFYRA_CLIENT_CONTRACT list them. */
export const BUILT_IN_CONTRACTS: readonly ClientContractPlugin[] = [gefyra013Plugin, gefyra2Plugin];

/** The contract served when GEFYRA_CLIENT_CONTRACT is `auto` and no contract recognises the client. */
export const FALLBACK_CONTRACT: ClientContractPlugin = gefyra013Plugin;

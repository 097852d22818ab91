import { carrierPlugin } from './carrier/carrier.plugin.js';
import type { OperatorPlugin } from './plugin.js';
import { stowawayPlugin } from './stowaway/stowaway.plugin.js';
import { stowaway2Plugin } from './gefyra2/tunnel/stowaway2.plugin.js';

/** The plugins that ship with the operator, by the name GEFYRA_PLUGINS gives them. */
export const BUILT_IN_PLUGINS: Readonly<Record<string, OperatorPlugin>> = {
  [stowawayPlugin.name]: stowawayPlugin,
  [stowaway2Plugin.name]: stowaway2Plugin,
  [carrierPlugin.name]: carrierPlugin,
};

/** What runs when GEFYRA_PLUGINS is not set for the 0.13 client: Gefyra's tunnel and its carrier. */
export const DEFAULT_PLUGINS: readonly string[] = [stowawayPlugin.name, carrierPlugin.name];

/**
 * What runs when GEFYRA_PLUGINS is not set for the Gefyra 2.x client: its
 * tunnel (the 0.13 one would hold the node port the 2.5 client's own Service
 * claims) and the carrier.
 */
export const GEFYRA2_DEFAULT_PLUGINS: readonly string[] = [stowaway2Plugin.name, carrierPlugin.name];

import { carrierPlugin } from './carrier/carrier.plugin.js';
import type { OperatorPlugin } from './plugin.js';
import { stowawayPlugin } from './stowaway/stowaway.plugin.js';

/** The plugins that ship with the operator, by the name GEFYRA_PLUGINS gives them. */
export const BUILT_IN_PLUGINS: Readonly<Record<string, OperatorPlugin>> = {
  [stowawayPlugin.name]: stowawayPlugin,
  [carrierPlugin.name]: carrierPlugin,
};

/** What runs when GEFYRA_PLUGINS is not set: Gefyra's tunnel and its carrier. */
export const DEFAULT_PLUGINS: readonly string[] = [stowawayPlugin.name, carrierPlugin.name];

export { carrierPlugin } from './carrier/carrier.plugin.js';
export { stowawayPlugin } from './stowaway/stowaway.plugin.js';
export type { OperatorPlugin, PluginContext } from './plugin.js';

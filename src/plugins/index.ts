export { carrierPlugin } from './carrier/carrier.plugin.js';
export { stowawayPlugin } from './stowaway/stowaway.plugin.js';
export { ConfigurationError, type OperatorPlugin, type PluginContext } from './plugin.js';

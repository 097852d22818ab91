import { carrierPlugin } from '../carrier/carrier.plugin.js';
import { carrier2Plugin } from '../carrier2/carrier2.plugin.js';
import type { ClientContractPlugin } from '../plugin.js';
import { resolve } from '../resolve.js';
import { TOKENS } from '../../tokens.js';
import { registerGefyra2Crds } from './adapters/gefyra2-crd-registration.js';
import { clientLifecycleSettings } from './client-lifecycle-settings.js';
import { gefyra2Settings, madeByTheGefyra2Client } from './gefyra2-config.js';
import { GEFYRA2_UNINSTALL, gefyra2Module } from './gefyra2-module.js';
import { gefyra2InstallManifests } from './install/gefyra2-manifests.js';
import { gefyra2TunnelPlugin } from './tunnel/gefyra2-tunnel.plugin.js';
import { runWebhookMode } from './webhook-mode.js';
import { webhookSettings } from './webhook-settings.js';

/**
 * The Gefyra 2 client contract (the 2.5 client): its three CRDs registered at
 * start, the GefyraClient controller, the admission webhook as the
 * `webhook` mode (the client starts the same image with OP_MODE=webhook),
 * its reset (the removal of clients, accounts, Stowaway 2.x and the
 * webhook's configuration) and its install manifests (deploy/gefyra2). Its
 * tunnel, Stowaway 2.x, is the plugin `stowaway2` (./tunnel).
 */
export const gefyra2Plugin: ClientContractPlugin = {
  name: 'gefyra2',
  provides: [],
  settings: [gefyra2Settings, clientLifecycleSettings, webhookSettings],
  serves: ['GefyraClients'],
  createModule: gefyra2Module,
  atStart: (operator, signal) =>
    registerGefyra2Crds(resolve(operator, TOKENS.ClusterApi), resolve(operator, TOKENS.Logger), signal),
  modes: { webhook: { meaning: 'serve the admission webhook instead of reconciling', run: runWebhookMode } },
  reset: (operator, options, signal) => resolve(operator, GEFYRA2_UNINSTALL).uninstall(options, signal),
  contract: {
    value: '2',
    recognises: madeByTheGefyra2Client,
    recognisedBy:
      'a variable only the 2.x client sets is present (`GEFYRA_CARRIER2_IMAGE`, `GEFYRA_STOWAWAY_STORAGE`, …) or `OP_MODE=webhook`',
    defaultPlugins: [gefyra2TunnelPlugin.name, carrierPlugin.name, carrier2Plugin.name],
    interceptRequestsOptional: true,
    manifests: gefyra2InstallManifests,
  },
};

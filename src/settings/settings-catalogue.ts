import { kubernetesClientSettings } from '../adapters/kubernetes/client/kube-config.js';
import { coreSettings } from '../config.js';
import { BUILT_IN_CONTRACTS, BUILT_IN_PLUGINS } from '../plugins/built-in.js';
import { contractChoiceSettings } from '../plugins/contract-choice.js';
import type { SettingsSchema } from './settings-schema.js';

/**
 * Every settings schema of the operator and its built-in plugins, in the
 * order the README's table lists them. A variable is read by its schema only
 * (the environment is guarded: src/environment.ts) and declared by one schema
 * only (src/settings/settings-schema.ts).
 */
export function settingsCatalogue(): readonly SettingsSchema[] {
  const pluginSettings = [...Object.values(BUILT_IN_PLUGINS), ...BUILT_IN_CONTRACTS].flatMap(
    (plugin) => plugin.settings ?? [],
  );
  return [
    ...new Set<SettingsSchema>([coreSettings, contractChoiceSettings, kubernetesClientSettings, ...pluginSettings]),
  ];
}

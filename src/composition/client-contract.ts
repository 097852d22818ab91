import type { Environment } from '../environment.js';
import { loadGefyra2Config, type ClientContract } from '../plugins/gefyra2/gefyra2-config.js';
import { DEFAULT_PLUGINS, GEFYRA2_DEFAULT_PLUGINS } from '../plugins/built-in.js';

export interface ContractComposition {
  readonly contract: ClientContract;
  /** The plugins that run when GEFYRA_PLUGINS names none: the contract's tunnel and the carrier. */
  readonly defaultPlugins: readonly string[];
  /** Whether the GefyraClient controller runs (the 2.x contract). */
  readonly gefyraClients: boolean;
}

/** What the client contract (GEFYRA_CLIENT_CONTRACT, or recognised from the 2.5 client's variables) decides in the composition. */
export function contractComposition(environment: Environment): ContractComposition {
  const { contract } = loadGefyra2Config(environment);
  return {
    contract,
    defaultPlugins: contract === '2' ? GEFYRA2_DEFAULT_PLUGINS : DEFAULT_PLUGINS,
    gefyraClients: contract === '2',
  };
}

// The operator's carrier2 pieces the data-plane tier drives the stand-in with,
// imported from this one place: when they move (into the carrier2 plugin), only
// these lines change.
import { stringify } from 'yaml';
import type { Carrier2Config } from '../../../src/plugins/carrier2/carrier2-config.js';

export {
  carrier2Config,
  type Carrier2Config,
  type ConfiguredBridge,
} from '../../../src/plugins/carrier2/carrier2-config.js';
export { carrier2PushCommand, carrier2PushOutcome } from '../../../src/plugins/carrier2/carrier2-push.js';

/** carrier2's YAML file as the operator writes it (the config object as carrier2Config builds it, rendered as is). */
export function carrier2Yaml(config: Carrier2Config): string {
  return stringify(config);
}

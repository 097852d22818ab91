import { z } from 'zod';
import { flag, parseEnvironment, seconds } from '../../environment.js';
import { defineSettings, variable } from '../../settings/settings-schema.js';
import type { PluginContext } from '../plugin.js';

/** The Gefyra release whose carrier2 this plugin drives (its config, its push, its log lines). */
export const CARRIER2_RELEASE = '2.5.4';

export interface Carrier2Settings {
  readonly image: string;
  readonly tag: string;
  /** Whether carrier2 logs at debug level (its `RUST_LOG`); the 2.5 client sets it from `--bridge-debug`. */
  readonly debug: boolean;
  /** How long carrier2 may take to run after the image swap before the mount fails. */
  readonly startupTimeoutMs: number;
}

const GEFYRA2 = ['2'] as const;

const nonEmpty = (name: string) =>
  z
    .string()
    .trim()
    .min(1, { error: `${name} must not be empty` });

/** carrier2's image and start-up, from the operator's environment (the 2.5 client sets the first three). */
export const carrier2Settings = defineSettings('carrier2', {
  GEFYRA_CARRIER2_IMAGE: variable(nonEmpty('GEFYRA_CARRIER2_IMAGE').default('quay.io/gefyra/carrier2'), {
    default: '`quay.io/gefyra/carrier2`',
    meaning: "carrier2's image, which a GefyraBridgeMount puts into the workload's pods (the 2.5 client sets it)",
    contracts: GEFYRA2,
  }),
  GEFYRA_CARRIER2_IMAGE_TAG: variable(nonEmpty('GEFYRA_CARRIER2_IMAGE_TAG').default(CARRIER2_RELEASE), {
    default: `\`${CARRIER2_RELEASE}\``,
    meaning: "carrier2's image tag (the 2.5 client sets its own version)",
    contracts: GEFYRA2,
  }),
  GEFYRA_CARRIER2_DEBUG: variable(flag('GEFYRA_CARRIER2_DEBUG', false), {
    default: '`false`',
    meaning:
      "carrier2's debug output (`RUST_LOG=debug` in the carrier2 push), set by the 2.5 client's `--bridge-debug`",
    contracts: GEFYRA2,
  }),
  GEFYRA_CARRIER2_STARTUP_TIMEOUT: variable(seconds('GEFYRA_CARRIER2_STARTUP_TIMEOUT', 60), {
    default: '`60` s',
    meaning: 'carrier2 start-up in a mounted pod before the mount fails',
    contracts: GEFYRA2,
  }),
});

export function carrier2SettingsOf(context: Pick<PluginContext, 'environment'>): Carrier2Settings {
  const environment = parseEnvironment(carrier2Settings, context.environment);
  return {
    image: environment.GEFYRA_CARRIER2_IMAGE,
    tag: environment.GEFYRA_CARRIER2_IMAGE_TAG,
    debug: environment.GEFYRA_CARRIER2_DEBUG,
    startupTimeoutMs: environment.GEFYRA_CARRIER2_STARTUP_TIMEOUT * 1000,
  };
}

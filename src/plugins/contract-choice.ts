import { z } from 'zod';
import { ConfigurationError, parseEnvironment, type Environment } from '../environment.js';
import { BOTH_CONTRACTS, defineSettings, variable, type ContractName } from '../settings/settings-schema.js';
import { BUILT_IN_CONTRACTS, BUILT_IN_PLUGINS, FALLBACK_CONTRACT } from './built-in.js';
import type { ClientContractPlugin, OperatorPlugin, PluginMode } from './plugin.js';

/** The mode every contract runs: the operator itself (`gefyra-operator run`). */
const OPERATOR_MODE = 'operator';

const contractValues = BUILT_IN_CONTRACTS.map((plugin) => plugin.contract.value);
const withModes = [...Object.values(BUILT_IN_PLUGINS), ...BUILT_IN_CONTRACTS];
const pluginModes = withModes.flatMap((plugin) => Object.entries(plugin.modes ?? {}));
const modeNames = [OPERATOR_MODE, ...pluginModes.map(([name]) => name)];
const recognitions = BUILT_IN_CONTRACTS.filter((plugin) => plugin.contract.recognisedBy !== undefined).map(
  (plugin) => `${plugin.contract.value} when ${plugin.contract.recognisedBy}`,
);
const code = (value: string) => `\`${value}\``;
const orList = (values: readonly string[]) => `${values.slice(0, -1).join(', ')} or ${values.at(-1)}`;

/**
 * Which client generation the operator serves, and which process the image
 * runs: generic over the contract plugins. `auto` takes the first contract
 * that recognises the client's Deployment (its own variables, or OP_MODE
 * naming one of its modes), else the fallback (0.13); GEFYRA_CLIENT_CONTRACT
 * forces one (deploy/ sets it).
 */
export const contractChoiceSettings = defineSettings('contract choice', {
  GEFYRA_CLIENT_CONTRACT: variable(
    z
      .enum(['auto', ...contractValues], {
        error: `GEFYRA_CLIENT_CONTRACT must be ${orList(['auto', ...contractValues])}`,
      })
      .default('auto'),
    {
      default: '`auto`',
      meaning: `${contractValues.map(code).join(', ')}, or \`auto\`: ${recognitions.join('; ')}`,
      contracts: BOTH_CONTRACTS,
    },
  ),
  OP_MODE: variable(z.enum(modeNames, { error: `OP_MODE must be ${orList(modeNames)}` }).default(OPERATOR_MODE), {
    default: code(OPERATOR_MODE),
    meaning: pluginModes.map(([name, mode]) => `${code(name)}: ${mode.meaning}`).join('; '),
    contracts: BUILT_IN_CONTRACTS.filter((plugin) => plugin.modes !== undefined).map(
      (plugin) => plugin.contract.value as ContractName,
    ),
  }),
});

export interface ContractChoice {
  readonly contract: ClientContractPlugin;
  /** The process OP_MODE asks for, when it is not the operator. */
  readonly mode: PluginMode | undefined;
}

/**
 * The contract and the mode the environment asks for. Every built-in
 * contract's settings are validated here, whichever is chosen, so that every
 * bad value is reported at once at start.
 */
export function chooseContract(environment: Environment): ContractChoice {
  const problems: string[] = [];
  const parsed = collect(problems, () => parseEnvironment(contractChoiceSettings, environment));
  for (const plugin of BUILT_IN_CONTRACTS)
    for (const schema of plugin.settings ?? []) collect(problems, () => parseEnvironment(schema, environment));
  if (problems.length > 0 || parsed === undefined) throw new ConfigurationError(problems);
  const mode = parsed.OP_MODE === OPERATOR_MODE ? undefined : parsed.OP_MODE;
  const contract =
    parsed.GEFYRA_CLIENT_CONTRACT !== 'auto'
      ? BUILT_IN_CONTRACTS.find((plugin) => plugin.contract.value === parsed.GEFYRA_CLIENT_CONTRACT)
      : BUILT_IN_CONTRACTS.find(
          (plugin) =>
            (mode !== undefined && plugin.modes?.[mode] !== undefined) || plugin.contract.recognises(environment),
        );
  return { contract: contract ?? FALLBACK_CONTRACT, mode: mode === undefined ? undefined : modeOf(mode) };
}

const modeOf = (name: string): PluginMode | undefined =>
  withModes.map((plugin: OperatorPlugin) => plugin.modes?.[name]).find((mode) => mode !== undefined);

function collect<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    problems.push(...error.problems);
    return undefined;
  }
}

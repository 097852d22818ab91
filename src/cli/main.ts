import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { ConfigurationError, guardEnvironment, type Environment } from '../environment.js';
import { isDomainError } from '../domain/errors.js';
import { runManifests } from './manifests-command.js';
import { runOperator } from './run-command.js';
import { runReset } from './reset-command.js';
import { chooseContract } from '../plugins/contract-choice.js';
import { USAGE } from './usage.js';

export interface CliOutput {
  out(text: string): void;
  err(text: string): void;
}

const stdio: CliOutput = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
};

/** The command line: returns the exit code (0 done, 1 failed, 2 wrong usage). */
export async function main(
  argv: readonly string[],
  processEnvironment: Environment,
  io: CliOutput = stdio,
): Promise<number> {
  // Each variable is read by its settings schema only (src/settings/settings-catalogue.ts).
  const environment = guardEnvironment(processEnvironment);
  const [command = 'help', ...rest] = argv;
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  if (command === 'help' || command === '--help' || command === '-h') {
    io.out(USAGE[rest[0] ?? 'main'] ?? USAGE['main']!);
    return 0;
  }
  if (!(command in USAGE) || command === 'main') {
    io.err(`unknown command "${command}"\n\n${USAGE['main']}`);
    return 2;
  }
  if (wantsHelp) {
    io.out(USAGE[command]!);
    return 0;
  }
  try {
    switch (command) {
      case 'run': {
        const { values } = parseArgs({ args: [...rest], options: { kubeconfig: { type: 'string' } } });
        // A client may start the same image as another process (OP_MODE): the plugin that contributes the mode runs it.
        const { mode } = chooseContract(environment);
        if (mode) return await mode.run({ environment, kubeconfig: values.kubeconfig });
        return await runOperator({ environment, kubeconfig: values.kubeconfig, io });
      }
      case 'manifests': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            namespace: { type: 'string' },
            image: { type: 'string' },
            'pull-policy': { type: 'string' },
            contract: { type: 'string' },
          },
        });
        return runManifests({
          namespace: values.namespace,
          image: values.image,
          pullPolicy: values['pull-policy'],
          contract: values.contract,
          io,
        });
      }
      case 'reset': {
        const { values } = parseArgs({
          args: [...rest],
          options: {
            kubeconfig: { type: 'string' },
            namespace: { type: 'string' },
            'keep-operator': { type: 'boolean', default: false },
            yes: { type: 'boolean', default: false },
          },
        });
        return await runReset({
          environment,
          kubeconfig: values.kubeconfig,
          namespace: values.namespace,
          keepOperator: values['keep-operator'],
          confirmed: values.yes,
          io,
        });
      }
    }
  } catch (error) {
    if (error instanceof ConfigurationError) {
      io.err(error.message);
      return 2;
    }
    if (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS')) {
      io.err(`${error.message}\n\n${USAGE[command]}`);
      return 2;
    }
    io.err(
      `gefyra-operator ${command}: ${isDomainError(error) ? error.message : error instanceof Error ? error.message : String(error)}`,
    );
    return 1;
  }
  return 0;
}

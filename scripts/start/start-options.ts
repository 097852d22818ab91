import { parseArgs } from 'node:util';

export type StartContract = '0.13' | '2';

export interface StartOptions {
  /** `--real-node`: the operator as a pod from its image on a real node, instead of a process here. */
  readonly realNode: boolean;
  /** Which kustomization the real node applies: deploy/ (0.13) or deploy/gefyra2 (GEFYRA_CLIENT_CONTRACT=2). */
  readonly contract: StartContract;
}

export const START_USAGE = 'usage: npm start [-- --real-node]';

/** `npm start`'s arguments and the contract it runs; an error names what was wrong, in one line. */
export function parseStartOptions(
  argv: readonly string[],
  environment: Readonly<Record<string, string | undefined>>,
): StartOptions | { readonly error: string } {
  let realNode: boolean;
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { 'real-node': { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: false,
    });
    realNode = values['real-node'];
  } catch (error) {
    return { error: `${(error as Error).message} (${START_USAGE})` };
  }
  const chosen = environment['GEFYRA_CLIENT_CONTRACT'] ?? '';
  if (!['', 'auto', '0.13', '2'].includes(chosen)) {
    return { error: `GEFYRA_CLIENT_CONTRACT must be auto, 0.13 or 2 (it is "${chosen}")` };
  }
  return { realNode, contract: chosen === '2' ? '2' : '0.13' };
}

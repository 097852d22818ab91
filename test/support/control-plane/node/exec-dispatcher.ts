import type { ExecHandler, ExecRecord, ExecRequest, ExecResult } from './exec-types.js';

/**
 * Runs a command through the registered handlers, first answer wins. A command
 * no handler knows behaves like a missing executable: exit 127.
 */
export class ExecDispatcher {
  readonly #handlers: ExecHandler[] = [];
  readonly #log: ExecRecord[] = [];

  get log(): readonly ExecRecord[] {
    return this.#log;
  }

  clearLog(): void {
    this.#log.length = 0;
  }

  /** Adds a handler after the existing ones; returns the function that removes it. */
  add(handler: ExecHandler): () => void {
    this.#handlers.push(handler);
    return () => {
      const index = this.#handlers.indexOf(handler);
      if (index >= 0) this.#handlers.splice(index, 1);
    };
  }

  /** The first handler's answer, or `undefined` when none knows the command (probes pass then). */
  async answer(request: ExecRequest): Promise<ExecResult | undefined> {
    for (const handler of [...this.#handlers]) {
      const result = await handler(request);
      if (result !== undefined) return result;
    }
    return undefined;
  }

  /** Runs an exec the way the kubelet endpoint does, and records it. */
  async exec(request: ExecRequest): Promise<ExecResult> {
    let result: ExecResult;
    try {
      result = (await this.answer(request)) ?? commandNotFound(request.command);
    } catch (error) {
      // A broken handler must show up in the test, not hang the exec.
      result = { exitCode: 126, stderr: `simulated kubelet: exec handler failed: ${String(error)}\n` };
    }
    this.#log.push({
      namespace: request.namespace,
      pod: request.pod,
      container: request.container,
      command: [...request.command],
      exitCode: result.exitCode,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr ?? ''),
      time: new Date(),
    });
    return result;
  }
}

export function commandNotFound(command: readonly string[]): ExecResult {
  return { exitCode: 127, stderr: `exec: "${command[0] ?? ''}": executable file not found in $PATH: not found\n` };
}

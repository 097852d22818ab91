import type { ExecResult } from '../../ports/cluster-api.port.js';
import { DomainError, toDomainError } from '../../domain/errors.js';
import { commandNotFound, type ExecCall, type ExecHandler } from './exec-handler.js';

/** One exec as it happened: the call, and its result or the error it ended with. */
export interface ExecRecord {
  readonly namespace: string;
  readonly pod: string;
  readonly container: string;
  readonly command: readonly string[];
  readonly result?: ExecResult;
  readonly error?: DomainError;
}

/**
 * The commands the fake's containers know: handlers in registration order,
 * the first answer wins, an unknown command exits 127 as a shell would. Every
 * call is logged in order, so tests can assert on what the operator ran.
 * Generic in the call so that the simulated kubelet of the control-plane
 * harness, whose calls also carry stdin, runs the same handlers through it.
 */
export class ExecRegistry<Call extends ExecCall = ExecCall> {
  readonly #handlers: ExecHandler<Call>[] = [];
  readonly #log: ExecRecord[] = [];

  get log(): readonly ExecRecord[] {
    return this.#log;
  }

  clearLog(): void {
    this.#log.length = 0;
  }

  /** Adds a handler after the existing ones; returns the function that removes it. */
  add(handler: ExecHandler<Call>): () => void {
    this.#handlers.push(handler);
    return () => {
      const index = this.#handlers.indexOf(handler);
      if (index >= 0) this.#handlers.splice(index, 1);
    };
  }

  /** A call refused before any handler ran (missing pod or container). */
  recordRefusal(call: Omit<ExecCall, 'podObject'>, error: DomainError): void {
    this.#log.push({ ...copyCall(call), error });
  }

  async run(call: Call): Promise<ExecResult> {
    try {
      const result = (await this.#answer(call)) ?? commandNotFound(call.command);
      this.#log.push({ ...copyCall(call), result });
      return result;
    } catch (thrown) {
      // A handler may throw a DomainError on purpose (a dropped connection); anything else is a bug in the test.
      const error = thrown instanceof DomainError ? thrown : toDomainError(thrown);
      this.#log.push({ ...copyCall(call), error });
      throw error;
    }
  }

  /** The handlers' answer without logging it: how the kubelet runs exec probes. Undefined when none knows the command. */
  async answerQuietly(call: Call): Promise<ExecResult | undefined> {
    return this.#answer(call);
  }

  async #answer(call: Call): Promise<ExecResult | undefined> {
    for (const handler of [...this.#handlers]) {
      const answer = await handler(call);
      if (answer !== undefined) return { exitCode: answer.exitCode, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
    }
    return undefined;
  }
}

function copyCall(call: Omit<ExecCall, 'podObject'>): Omit<ExecCall, 'podObject'> {
  return { namespace: call.namespace, pod: call.pod, container: call.container, command: [...call.command] };
}

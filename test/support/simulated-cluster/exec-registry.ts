import type { ExecResult } from '../../../src/ports/cluster-api.port.js';
import { DomainError, toDomainError } from '../../../src/domain/errors.js';
import {
  commandNotFound,
  type ExecAnswer,
  type ExecCall,
  type ExecHandler,
} from '../../../src/adapters/in-memory/exec-handler.js';

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
/** What the caller of an exec gets instead of its real outcome: an answer (exit code and output), or an error as if the connection dropped. */
export type LostOutcome = ExecAnswer | DomainError;

interface OutcomeFault<Call> {
  readonly matches: (call: Call) => boolean;
  readonly outcome: LostOutcome;
}

export class ExecRegistry<Call extends ExecCall = ExecCall> {
  readonly #handlers: ExecHandler<Call>[] = [];
  readonly #log: ExecRecord[] = [];
  readonly #lostOutcomes: OutcomeFault<Call>[] = [];

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

  /**
   * The next call that matches runs as usual (the container changes what it
   * changes), but its caller is told `outcome` instead: an error reported
   * after the command had in fact run, a connection dropped at its end.
   */
  failAfterRunning(matches: (call: Call) => boolean, outcome: LostOutcome): void {
    this.#lostOutcomes.push({ matches, outcome });
  }

  /** Faults of `failAfterRunning` not triggered yet. */
  get pendingFaults(): number {
    return this.#lostOutcomes.length;
  }

  /** A call refused before any handler ran (missing pod or container). */
  recordRefusal(call: Omit<ExecCall, 'podObject'>, error: DomainError): void {
    this.#log.push({ ...copyCall(call), error });
  }

  async run(call: Call): Promise<ExecResult> {
    try {
      const real = (await this.#answer(call)) ?? commandNotFound(call.command);
      const index = this.#lostOutcomes.findIndex((fault) => fault.matches(call));
      const lost = index < 0 ? undefined : this.#lostOutcomes.splice(index, 1)[0]?.outcome;
      if (lost instanceof DomainError) throw lost;
      const result =
        lost === undefined ? real : { exitCode: lost.exitCode, stdout: lost.stdout ?? '', stderr: lost.stderr ?? '' };
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
      if (answer !== undefined)
        return { exitCode: answer.exitCode, stdout: answer.stdout ?? '', stderr: answer.stderr ?? '' };
    }
    return undefined;
  }
}

function copyCall(call: Omit<ExecCall, 'podObject'>): Omit<ExecCall, 'podObject'> {
  return { namespace: call.namespace, pod: call.pod, container: call.container, command: [...call.command] };
}

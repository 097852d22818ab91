import { DomainError } from '../domain/errors.js';
import { signalUntilAllAborted } from './signals.js';

/** One submission waiting in a batch; `settle` answers its caller. */
export interface BatchItem<Input, Output> {
  readonly input: Input;
  resolve(output: Output): void;
  reject(error: unknown): void;
}

/**
 * Runs submissions in batches: whatever arrives while a batch runs waits and
 * goes into the next one, so a burst of callers shares one expensive round
 * (one save of the route table, one reload of the tunnel) instead of one
 * each, and batches never overlap. The runner answers every item itself.
 * Its I/O stops only when every caller of the batch has given up.
 */
export class BatchQueue<Input, Output> {
  readonly #run: (items: readonly BatchItem<Input, Output>[], signal: AbortSignal) => Promise<void>;
  #queue: (BatchItem<Input, Output> & { readonly signal: AbortSignal })[] = [];
  #running = false;

  constructor(run: (items: readonly BatchItem<Input, Output>[], signal: AbortSignal) => Promise<void>) {
    this.#run = run;
  }

  submit(input: Input, signal: AbortSignal): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      this.#queue.push({ input, signal, resolve, reject });
      if (!this.#running) void this.#drain();
    });
  }

  async #drain(): Promise<void> {
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.filter((item) => {
          if (!item.signal.aborted) return true;
          item.reject(new DomainError('Aborted', 'gave up before its turn', { cause: item.signal.reason }));
          return false;
        });
        this.#queue = [];
        if (batch.length === 0) continue;
        const shared = signalUntilAllAborted(batch.map((item) => item.signal));
        try {
          await this.#run(batch, shared.signal);
        } catch (error) {
          for (const item of batch) item.reject(error);
        } finally {
          shared.release();
        }
      }
    } finally {
      this.#running = false;
    }
  }
}

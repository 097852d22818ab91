/** One line the operator logged (pino JSON: `level`, `time`, `msg` and the line's fields). */
export interface OperatorLogLine {
  readonly level: number;
  readonly msg: string;
  readonly [field: string]: unknown;
}

interface Waiter {
  readonly predicate: (line: OperatorLogLine) => boolean;
  readonly resolve: (line: OperatorLogLine) => void;
  readonly reject: (error: Error) => void;
}

/**
 * Splits a process's stdout into log lines as it arrives and wakes whoever
 * waits for a line, so that tests wait on what the operator says it did
 * instead of sleeping. A line that is not JSON is kept as its text.
 */
export class LogWaiters {
  readonly lines: OperatorLogLine[] = [];
  readonly #waiters = new Set<Waiter>();
  #partial = '';
  #ended: string | undefined;

  push(chunk: string): void {
    const text = this.#partial + chunk;
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    for (const raw of parts) if (raw.trim() !== '') this.#add(parse(raw));
  }

  /** No more lines will come; pending waits fail with this reason. */
  end(reason: string): void {
    if (this.#partial.trim() !== '') this.#add(parse(this.#partial));
    this.#partial = '';
    this.#ended = reason;
    for (const waiter of [...this.#waiters]) waiter.reject(new Error(reason));
    this.#waiters.clear();
  }

  async waitFor(predicate: (line: OperatorLogLine) => boolean, timeoutMs: number): Promise<OperatorLogLine> {
    const seen = this.lines.find(predicate);
    if (seen) return seen;
    if (this.#ended !== undefined) throw new Error(this.#ended);
    return await new Promise<OperatorLogLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(new Error(`no such log line within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        predicate,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.#waiters.add(waiter);
    });
  }

  #add(line: OperatorLogLine): void {
    this.lines.push(line);
    for (const waiter of [...this.#waiters]) {
      if (!waiter.predicate(line)) continue;
      this.#waiters.delete(waiter);
      waiter.resolve(line);
    }
  }
}

function parse(raw: string): OperatorLogLine {
  try {
    const parsed = JSON.parse(raw) as unknown;
    if (typeof parsed === 'object' && parsed !== null && 'msg' in parsed) return parsed as OperatorLogLine;
  } catch {
    // Not JSON: kept as text below.
  }
  return { level: 0, msg: raw };
}

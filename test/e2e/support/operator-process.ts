import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { httpGet } from '../../support/control-plane/polling.js';
import { LogWaiters, type OperatorLogLine } from './log-lines.js';
import { INSPECT_FLAG, inspectorUrl, mainThreadState, stuckStack } from './stuck-process-stack.js';

export type { OperatorLogLine } from './log-lines.js';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const ENTRY = fileURLToPath(new URL('./operator-entry.ts', import.meta.url));
/**
 * The V8 flags the image starts Node.js with (its ENTRYPOINT; the packaging
 * test holds the two together), so that built runs measure what production runs.
 */
export const IMAGE_NODE_FLAGS: readonly string[] = ['--optimize-for-size'];
const SOURCE_PROGRAM = ['--import', 'tsx', ENTRY];
const BUILT_ENTRY = fileURLToPath(new URL('../../../bin/gefyra-operator.js', import.meta.url));

export interface OperatorProcessOptions {
  /** Passed as `--kubeconfig`; left out when undefined. */
  readonly kubeconfigPath?: string;
  /** GEFYRA_* and other variables, on top of a minimal environment (PATH, HOME). `undefined` removes one. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The leader-election identity (POD_NAME); unique by default, so that logs and Events tell processes apart. */
  readonly identity?: string;
  /** How long to wait for the start-up log line that names the health port. Default 30 s. */
  readonly startTimeoutMs?: number;
  /**
   * Run the built command (`npm run build` first: bin/gefyra-operator.js on
   * dist/) as the image does, rather than the sources through tsx: for
   * figures such as memory that the loader would distort.
   */
  readonly built?: boolean;
  /** Node.js flags of a built run; the image's (IMAGE_NODE_FLAGS) by default. */
  readonly nodeFlags?: readonly string[];
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WaitOptions {
  readonly timeoutMs?: number;
  /** Says what is awaited, for the timeout message. */
  readonly what?: string;
}

/**
 * `gefyra-operator run` as a child process, the way a pod runs it: its own
 * credentials, its JSON log lines on stdout, a health port. It can be stopped
 * gracefully (SIGTERM, like a rolling update) or killed (SIGKILL, like an OOM
 * kill or a node failure).
 */
export interface OperatorProcess {
  readonly pid: number;
  readonly identity: string;
  /** The port of /healthz, /readyz and /metrics, from the start-up log line. */
  readonly healthPort: number;
  /** Every JSON log line so far, in order. */
  readonly logs: readonly OperatorLogLine[];
  readonly stderr: string;
  /** Settles when the process has exited, however it ended. */
  readonly exited: Promise<ProcessExit>;
  readonly running: boolean;
  /** Resolves with the first log line (past or future) the predicate accepts; fails if the process exits first. */
  waitForLog(predicate: (line: OperatorLogLine) => boolean, options?: WaitOptions): Promise<OperatorLogLine>;
  /** The HTTP status of /readyz now. */
  readyz(): Promise<number>;
  /** Waits until /readyz answers 200 (bounded polling: an HTTP endpoint offers nothing to watch). */
  ready(options?: WaitOptions): Promise<void>;
  /**
   * SIGTERM, then waits for the exit (SIGKILL after `graceMs`, default 20 s).
   * Before a SIGKILL, the stack the process is stuck in goes to stderr and into {@link describe}.
   */
  stop(graceMs?: number): Promise<ProcessExit>;
  /** SIGKILL, then waits for the exit. */
  kill(): Promise<ProcessExit>;
  /** The last log lines and stderr, for failure messages. */
  describe(lines?: number): string;
}

/** Every operator process started and not yet exited, so that hooks can end them all (see e2e-environment.ts). */
export const liveOperatorProcesses = new Set<OperatorProcess>();

/** Every operator process started since the last {@link forgetStartedOperatorProcesses}, for failure reports. */
export const startedOperatorProcesses: OperatorProcess[] = [];

export function forgetStartedOperatorProcesses(): void {
  startedOperatorProcesses.length = 0;
}

/**
 * Stops every operator process still running: SIGTERM first, so that each
 * releases its lease and the next test's operator need not wait for it to
 * expire; SIGKILL after `graceMs`.
 */
export async function stopAllOperatorProcesses(graceMs = 10_000): Promise<void> {
  await Promise.all([...liveOperatorProcesses].map(async (operator) => await operator.stop(graceMs)));
}

export async function startOperatorProcess(options: OperatorProcessOptions = {}): Promise<OperatorProcess> {
  const identity = options.identity ?? `e2e-operator-${randomBytes(3).toString('hex')}`;
  const args = ['run', ...(options.kubeconfigPath === undefined ? [] : ['--kubeconfig', options.kubeconfigPath])];
  // Source runs can be asked where they are stuck (see stop()); built runs measure what the image runs, so they get no inspector.
  const program = options.built
    ? [...(options.nodeFlags ?? IMAGE_NODE_FLAGS), BUILT_ENTRY]
    : [INSPECT_FLAG, ...SOURCE_PROGRAM];
  const child = spawnCli(program, args, { GEFYRA_HEALTH_PORT: '0', POD_NAME: identity, ...options.env });
  const operator = new ChildOperator(child, identity);
  liveOperatorProcesses.add(operator);
  startedOperatorProcesses.push(operator);
  void operator.exited.then(() => liveOperatorProcesses.delete(operator));
  try {
    const starting = await operator.waitForLog((line) => line.msg === 'gefyra-operator starting', {
      timeoutMs: options.startTimeoutMs ?? 30_000,
      what: 'the start-up log line',
    });
    operator.healthPort = Number(starting['healthPort']);
  } catch (error) {
    await operator.kill();
    throw error;
  }
  return operator;
}

export interface CommandResult extends ProcessExit {
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** Runs one `gefyra-operator` command to its end (reset, a run that fails at start); SIGKILL after `timeoutMs`. */
export async function runOperatorCommand(
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
  timeoutMs = 120_000,
): Promise<CommandResult> {
  const started = performance.now();
  const child = spawnCli(SOURCE_PROGRAM, args, env);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const exit = await exitOf(child);
  clearTimeout(timer);
  return { ...exit, stdout, stderr, durationMs: performance.now() - started };
}

/**
 * The project's Node.js (this process's) running `program`: tsx on the CLI
 * entry, or the built command with its Node.js flags. stdin is
 * a pipe the child watches: if this process dies without stopping it, the
 * pipe closes and the child ends too (see operator-entry.ts).
 */
function spawnCli(
  program: readonly string[],
  args: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): ChildProcess {
  const base: Record<string, string | undefined> = {
    PATH: process.env['PATH'],
    HOME: process.env['HOME'],
    TMPDIR: process.env['TMPDIR'],
  };
  const merged = Object.fromEntries(
    Object.entries({ ...base, ...env }).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  return spawn(process.execPath, [...program, ...args], {
    cwd: REPO_ROOT,
    env: { ...merged, GEFYRA_E2E_EXIT_WITH_PARENT: '1' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

async function exitOf(child: ChildProcess): Promise<ProcessExit> {
  if (child.exitCode !== null || child.signalCode !== null) return { code: child.exitCode, signal: child.signalCode };
  return await new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

class ChildOperator implements OperatorProcess {
  readonly identity: string;
  readonly exited: Promise<ProcessExit>;
  healthPort = 0;
  readonly #child: ChildProcess;
  readonly #logs = new LogWaiters();
  #stderr = '';
  #stuck: string | undefined;
  #exit: ProcessExit | undefined;

  constructor(child: ChildProcess, identity: string) {
    this.#child = child;
    this.identity = identity;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.#logs.push(chunk));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (this.#stderr += chunk));
    // The pipe breaks when the child dies first; nothing to report.
    child.stdin?.on('error', () => undefined);
    this.exited = exitOf(child).then((exit) => {
      this.#exit = exit;
      this.#logs.end(`the operator process exited (code ${exit.code}, signal ${exit.signal})`);
      return exit;
    });
  }

  get pid(): number {
    return this.#child.pid ?? -1;
  }

  get logs(): readonly OperatorLogLine[] {
    return this.#logs.lines;
  }

  get stderr(): string {
    return this.#stderr;
  }

  get running(): boolean {
    return this.#exit === undefined;
  }

  async waitForLog(predicate: (line: OperatorLogLine) => boolean, options: WaitOptions = {}): Promise<OperatorLogLine> {
    try {
      return await this.#logs.waitFor(predicate, options.timeoutMs ?? 30_000);
    } catch (error) {
      throw new Error(
        `${this.identity}: waiting for ${options.what ?? 'a log line'}: ${(error as Error).message}\n${this.describe()}`,
        { cause: error },
      );
    }
  }

  async readyz(): Promise<number> {
    return (await httpGet(`http://127.0.0.1:${this.healthPort}/readyz`)).status;
  }

  async ready(options: WaitOptions = {}): Promise<void> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    while (this.running) {
      if ((await this.readyz().catch(() => 0)) === 200) return;
      if (Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`${this.identity}: /readyz did not answer 200 (${options.what ?? 'ready'})\n${this.describe()}`);
  }

  async stop(graceMs = 20_000): Promise<ProcessExit> {
    if (!this.running) return await this.exited;
    this.#child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<'graceOver'>((resolve) => (timer = setTimeout(() => resolve('graceOver'), graceMs)));
    if ((await Promise.race([this.exited, graceOver])) === 'graceOver') await this.#killStuck();
    clearTimeout(timer);
    return await this.exited;
  }

  /** Notes where the process is stuck (when it has an inspector), then SIGKILL. */
  async #killStuck(): Promise<void> {
    const url = inspectorUrl(this.#stderr);
    if (url !== undefined && this.running) {
      this.#stuck = `${await mainThreadState(this.pid)}\n${await stuckStack(url)}`;
      // A passing test prints no logs; the stuck process's own account of its shutdown is what shows the step that hangs.
      console.error(`${this.identity} (pid ${this.pid}) did not stop after SIGTERM\n${this.describe(15)}`);
    }
    if (this.running) this.#child.kill('SIGKILL');
  }

  async kill(): Promise<ProcessExit> {
    if (this.running) this.#child.kill('SIGKILL');
    return await this.exited;
  }

  describe(lines = 25): string {
    const tail = this.logs.slice(-lines).map((line) => JSON.stringify(line));
    return [
      `--- last ${tail.length} log lines of ${this.identity} (pid ${this.pid}) ---`,
      ...tail,
      this.#stderr ? `--- stderr ---\n${this.#stderr.slice(-4000)}` : '',
      this.#stuck ? `--- stuck after SIGTERM ---\n${this.#stuck}` : '',
    ].join('\n');
  }
}

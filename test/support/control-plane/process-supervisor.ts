import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, openSync, rmSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';

export interface ProcessSpec {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  /** stdout and stderr of the process go here. */
  readonly logPath: string;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** One running component. Each lives in its own process group so that stopping it reaches anything it forked. */
export class SupervisedProcess {
  readonly name: string;
  readonly logPath: string;
  readonly exited: Promise<ProcessExit>;
  #child: ChildProcess;
  #exit: ProcessExit | undefined;

  constructor(spec: ProcessSpec) {
    this.name = spec.name;
    this.logPath = spec.logPath;
    const log = openSync(spec.logPath, 'a');
    try {
      this.#child = spawn(spec.command, [...spec.args], { detached: true, stdio: ['ignore', log, log] });
    } finally {
      closeSync(log);
    }
    this.exited = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = { code, signal };
        resolve(this.#exit);
      });
      this.#child.once('error', (error) => {
        appendFileSync(spec.logPath, `\n[supervisor] could not start ${spec.command}: ${error.message}\n`);
        this.#exit = { code: 127, signal: null };
        resolve(this.#exit);
      });
    });
    // The parent must be free to exit while components still run: cleanup hooks stop them.
    this.#child.unref();
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** Signals the whole process group; a group that is gone already is fine. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.#exit !== undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // ESRCH: the group exited between the check and the kill.
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`. Resolves once the process has exited. */
  async stop(graceMs: number): Promise<void> {
    if (this.#exit !== undefined) return;
    // While stopping, the parent must wait for the exit: an unref'd child lets
    // a parent with nothing else to do end before its stop() settles.
    this.#child.ref();
    this.signal('SIGTERM');
    const exited = await Promise.race([this.exited.then(() => true), delay(graceMs, false)]);
    if (!exited) {
      this.signal('SIGKILL');
      await this.exited;
    }
  }
}

/**
 * Cleanup that must happen however the parent ends: a normal exit, Ctrl-C,
 * SIGTERM, an uncaught error. Registered cleanups run synchronously (an
 * `exit` listener cannot wait), so they kill with SIGKILL and remove files
 * with rmSync. A parent killed with SIGKILL runs nothing: see the watchdog.
 */
const emergencyCleanups = new Set<() => void>();
let hooksInstalled = false;

function runEmergencyCleanups(): void {
  for (const cleanup of [...emergencyCleanups]) {
    emergencyCleanups.delete(cleanup);
    try {
      cleanup();
    } catch {
      // Best effort: the process is going away.
    }
  }
}

function installHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.on('exit', runEmergencyCleanups);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      // Another handler (vitest, a CLI stopping gracefully) owns the shutdown;
      // the exit hook still cleans up if it ends the process without stopping us.
      if (process.listenerCount(signal) > 1) return;
      runEmergencyCleanups();
      // Nobody else handles the signal: restore its default meaning (terminate).
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    };
    process.on(signal, onSignal);
  }
}

/** Registers a synchronous cleanup for abnormal ends of the parent; returns the function that unregisters it. */
export function onEmergencyExit(cleanup: () => void): () => void {
  installHooks();
  emergencyCleanups.add(cleanup);
  return () => emergencyCleanups.delete(cleanup);
}

/** Kills a process group at once, from an exit hook. */
export function killGroupNow(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

/** Removes a directory from an exit hook. */
export function removeDirNow(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

const WATCHDOG_SCRIPT = `
parent="$1"; pidfile="$2"; dir="$3"
while kill -0 "$parent" 2>/dev/null; do sleep 1; done
if [ -f "$pidfile" ]; then
  while read -r pid; do kill -TERM -- "-$pid" 2>/dev/null; done < "$pidfile"
  sleep 2
  while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null; done < "$pidfile"
fi
rm -rf "$dir"
`;

/**
 * A detached shell that outlives a parent killed with SIGKILL (a vitest worker
 * torn down, an editor stopping a debug session) and then stops the process
 * groups listed in `pidFile` and removes `dir`. Node has no PR_SET_PDEATHSIG,
 * so this is the only way to leave no strays in that case.
 */
export function startWatchdog(pidFile: string, dir: string): SupervisedProcess {
  return new SupervisedProcess({
    name: 'watchdog',
    command: 'bash',
    args: ['-c', WATCHDOG_SCRIPT, 'watchdog', String(process.pid), pidFile, dir],
    logPath: '/dev/null',
  });
}

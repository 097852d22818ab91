import { readFile } from 'node:fs/promises';

/**
 * Where a child Node.js process that does not stop is stuck: it runs with
 * `--inspect=127.0.0.1:0`, and before it is killed the harness asks its
 * inspector whether the event loop still turns (a setImmediate answers) and
 * then to pause. The inspector interrupts running JavaScript, so a blocked
 * event loop (a synchronous or microtask loop, which no signal handler would
 * ever see) shows the stack it spins in; a loop that turns means something
 * awaits forever, and the pause lands in whatever runs next.
 */
export const INSPECT_FLAG = '--inspect=127.0.0.1:0';

/**
 * What the kernel says of the process's main thread (Linux): its state, the
 * wait channel and system call it sleeps in, and how much CPU it used in the
 * last second. A main thread that runs no JavaScript either burns CPU in V8
 * (a regular expression, garbage collection near the heap limit) or sleeps in
 * a system call (a write to a full pipe, a futex).
 */
export async function mainThreadState(pid: number): Promise<string> {
  const read = async (file: string): Promise<string> =>
    (await readFile(`/proc/${pid}/task/${pid}/${file}`, 'utf8').catch(() => '?')).trim();
  const cpuTicks = async (): Promise<number> => {
    const fields = (await read('stat')).replace(/^.*\) /s, '').split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const before = await cpuTicks();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const ticks = (await cpuTicks()) - before;
  const status = await read('status');
  const state = /^State:\s*(.*)$/m.exec(status)?.[1] ?? '?';
  const rss = /^VmRSS:\s*(.*)$/m.exec(status)?.[1] ?? '?';
  return (
    `main thread: state ${state}, resident ${rss}, wchan ${await read('wchan')}, ` +
    `syscall ${(await read('syscall')).split(' ')[0]}, ${ticks} CPU ticks in the last second`
  );
}

/** The inspector's WebSocket address, from the line Node.js prints on stderr at start-up. */
export function inspectorUrl(stderr: string): string | undefined {
  return /Debugger listening on (ws:\/\/\S+)/.exec(stderr)?.[1];
}

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly location: { readonly lineNumber: number; readonly columnNumber: number };
}

interface PausedEvent {
  readonly callFrames: readonly CallFrame[];
  readonly asyncStackTrace?: AsyncStack;
}

interface AsyncStack {
  readonly description?: string;
  readonly callFrames: readonly {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
    readonly columnNumber: number;
  }[];
  readonly parent?: AsyncStack;
}

/** The JavaScript stack the process is running now, or why there is none. Never throws. */
export async function stuckStack(url: string, timeoutMs = 5000): Promise<string> {
  let socket: WebSocket | undefined;
  try {
    socket = new WebSocket(url);
    const open = socket;
    await new Promise<void>((resolve, reject) => {
      open.addEventListener('open', () => resolve(), { once: true });
      open.addEventListener('error', () => reject(new Error('cannot connect to the inspector')), { once: true });
    });
    const answers = new Map<number, (result: unknown) => void>();
    let onPaused: (event: PausedEvent) => void = () => undefined;
    open.addEventListener('message', (message: MessageEvent) => {
      const data = JSON.parse(String(message.data)) as {
        id?: number;
        method?: string;
        params?: PausedEvent;
        result?: unknown;
      };
      if (data.method === 'Debugger.paused') onPaused(data.params as PausedEvent);
      if (data.id !== undefined) answers.get(data.id)?.(data.result);
    });
    let id = 0;
    const send = (method: string, params: object = {}): Promise<unknown> => {
      const sent = ++id;
      open.send(JSON.stringify({ id: sent, method, params }));
      return within(timeoutMs, new Promise((resolve) => answers.set(sent, resolve)));
    };
    const turned = await send('Runtime.evaluate', {
      expression: 'new Promise((resolve) => setImmediate(resolve, true))',
      awaitPromise: true,
    });
    const loop =
      turned === undefined
        ? `the event loop is blocked (no turn within ${timeoutMs} ms)`
        : 'the event loop turns: something awaits forever';
    const paused = within(timeoutMs, new Promise<PausedEvent>((resolve) => (onPaused = resolve)));
    await send('Debugger.enable');
    await send('Debugger.setAsyncCallStackDepth', { maxDepth: 16 });
    await send('Debugger.pause');
    const event = await paused;
    if (!event) return `${loop}; the main thread ran no JavaScript within ${timeoutMs} ms`;
    const frames = event.callFrames.map(
      (frame) =>
        `    at ${frame.functionName || '<anonymous>'} (${frame.url}:${frame.location.lineNumber + 1}:${frame.location.columnNumber + 1})`,
    );
    const asyncFrames: string[] = [];
    for (let stack = event.asyncStackTrace; stack; stack = stack.parent) {
      asyncFrames.push(`  -- ${stack.description ?? 'async'} --`);
      for (const frame of stack.callFrames)
        asyncFrames.push(
          `    at ${frame.functionName || '<anonymous>'} (${frame.url}:${frame.lineNumber + 1}:${frame.columnNumber + 1})`,
        );
    }
    return [`${loop}; the main thread was paused at:`, ...frames, ...asyncFrames].join('\n');
  } catch (error) {
    return `no stack: ${(error as Error).message}`;
  } finally {
    socket?.close();
  }
}

/** The promise's value, or undefined once `ms` have passed. */
async function within<T>(ms: number, promise: Promise<T>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

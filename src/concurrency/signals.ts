/**
 * A signal that aborts only once every given signal has aborted: work shared
 * by several callers stops when nobody is waiting for it any more. `release`
 * removes its listeners from the given signals once the work is over: they
 * often live far longer (a work queue's signal lives a whole term of
 * leadership), and would otherwise keep one listener per piece of work.
 */
export function signalUntilAllAborted(signals: readonly AbortSignal[]): {
  readonly signal: AbortSignal;
  release(): void;
} {
  const controller = new AbortController();
  const live = signals.filter((signal) => !signal.aborted);
  if (live.length === 0) {
    controller.abort(signals[0]?.reason);
    return { signal: controller.signal, release: () => undefined };
  }
  let remaining = live.length;
  const listeners = live.map((signal) => {
    const onAbort = (): void => {
      remaining -= 1;
      if (remaining === 0) controller.abort(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    return () => signal.removeEventListener('abort', onAbort);
  });
  return { signal: controller.signal, release: () => listeners.forEach((remove) => remove()) };
}

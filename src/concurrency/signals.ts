/**
 * A signal that aborts only once every given signal has aborted: work shared
 * by several callers stops when nobody is waiting for it any more.
 */
export function signalUntilAllAborted(signals: readonly AbortSignal[]): AbortSignal {
  const controller = new AbortController();
  let remaining = signals.filter((signal) => !signal.aborted).length;
  if (remaining === 0) {
    controller.abort(signals[0]?.reason);
    return controller.signal;
  }
  for (const signal of signals) {
    if (signal.aborted) continue;
    signal.addEventListener(
      'abort',
      () => {
        remaining -= 1;
        if (remaining === 0) controller.abort(signal.reason);
      },
      { once: true },
    );
  }
  return controller.signal;
}

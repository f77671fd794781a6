import { RunInterruption } from './interruption.js';

/** Exit status of a run stopped by Ctrl-C: 128 + SIGINT (2), what shells report for it. */
export const EXIT_INTERRUPTED = 130;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * While a run is in progress, Ctrl-C (SIGINT) or SIGTERM interrupts it instead of killing the
 * process: the signal aborts, the runner stops starting scenarios, closes its connections and
 * writes the partial report marked interrupted. A second signal exits at once with 130.
 * `dispose()` restores the default behaviour; `received` says whether a signal came.
 */
export function interruptOnSignals(opts: { onFirst?: (name: string) => void } = {}): {
  signal: AbortSignal;
  received: () => string | undefined;
  dispose: () => void;
} {
  const controller = new AbortController();
  let received: string | undefined;
  const handler = (name: NodeJS.Signals) => {
    if (received !== undefined) process.exit(EXIT_INTERRUPTED);
    received = name;
    opts.onFirst?.(name);
    controller.abort(RunInterruption.signal(name));
  };
  for (const name of SIGNALS) process.on(name, handler);
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      for (const name of SIGNALS) process.off(name, handler);
    },
  };
}

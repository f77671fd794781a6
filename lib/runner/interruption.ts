/**
 * Why a run was cut short. It is the abort reason of the run's signal, so every layer that sees
 * the signal (the catalog loop, the scenario in flight, the CLI choosing the exit code) can say
 * the same thing in the same words.
 */
export class RunInterruption extends Error {
  /** 'deadline': --deadline-ms ran out; 'signal': Ctrl-C (SIGINT) or SIGTERM. */
  readonly kind: 'deadline' | 'signal';
  constructor(kind: 'deadline' | 'signal', message: string) {
    super(message);
    this.name = 'RunInterruption';
    this.kind = kind;
  }

  static deadline(ms: number): RunInterruption {
    return new RunInterruption('deadline', `run deadline reached (--deadline-ms ${ms})`);
  }

  static signal(name: string): RunInterruption {
    return new RunInterruption(
      'signal',
      `interrupted by ${name}${name === 'SIGINT' ? ' (Ctrl-C)' : ''}`,
    );
  }
}

/** The interruption behind an aborted signal, in words, whatever the abort reason was. */
export function interruptionReason(signal: AbortSignal): string {
  const reason: unknown = signal.reason;
  if (reason instanceof Error && reason.message !== '') return reason.message;
  return typeof reason === 'string' && reason !== '' ? reason : 'interrupted';
}

/**
 * A signal that aborts when `parent` does or when `deadlineMs` passes (with
 * RunInterruption.deadline), whichever comes first. `dispose()` stops the timer.
 */
export function runSignal(opts: { parent?: AbortSignal; deadlineMs?: number }): {
  signal: AbortSignal;
  dispose: () => void;
} {
  const controller = new AbortController();
  const fromParent = () => controller.abort(opts.parent?.reason);
  if (opts.parent?.aborted) fromParent();
  else opts.parent?.addEventListener('abort', fromParent, { once: true });
  const timer =
    opts.deadlineMs === undefined
      ? undefined
      : setTimeout(
          () => controller.abort(RunInterruption.deadline(opts.deadlineMs ?? 0)),
          opts.deadlineMs,
        );
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      opts.parent?.removeEventListener('abort', fromParent);
    },
  };
}

/**
 * Typed errors with stable codes. The CLI maps `exitCode` to the process exit status and prints
 * `message` as one line: these are user-facing, so they name the file/field and what to do.
 */
export type ExitCode = 0 | 1 | 2 | 3;

export const EXIT = {
  ok: 0,
  verdictFailures: 1,
  usageOrConfig: 2,
  targetUnreachable: 3,
} as const satisfies Record<string, ExitCode>;

export class HarnessError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(code: string, message: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** Bad command-line usage: wrong flag combination, missing argument. */
export class UsageError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_USAGE', message, EXIT.usageOrConfig, options);
  }
}

/**
 * Bad configuration or input file. `file` and `path` (a JSON-pointer-like `clients[1].cert`)
 * locate the problem; the message is rendered as `file: path: problem`.
 */
export class ConfigError extends HarnessError {
  readonly file: string | undefined;
  readonly path: string | undefined;
  constructor(
    problem: string,
    where: { file?: string | undefined; path?: string | undefined } = {},
    options?: { cause?: unknown },
  ) {
    const prefix = [where.file, where.path].filter((p) => p !== undefined && p !== '').join(': ');
    super('ERR_CONFIG', prefix ? `${prefix}: ${problem}` : problem, EXIT.usageOrConfig, options);
    this.file = where.file;
    this.path = where.path;
  }
}

/** The target could not be reached at all (discovery failed, connection refused, DNS). */
export class TargetUnreachableError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_TARGET_UNREACHABLE', message, EXIT.targetUnreachable, options);
  }
}

/** Real bad paths for the CLI's input and output checks, and what a refusal must look like. */
import { execFileSync } from 'node:child_process';
import { expect } from 'chai';

/** A real FIFO (named pipe): opening it for reading blocks until a writer comes. */
export function makeFifo(path: string): string {
  execFileSync('mkfifo', [path]);
  return path;
}

/** A user mistake: exit 2, one stderr line matching `pattern`, no stack trace, nothing on stdout. */
export function expectOneLineError(
  run: { code: number | null; stdout: string; stderr: string },
  pattern: RegExp,
): void {
  expect(run.code, run.stderr).to.equal(2);
  expect(run.stdout).to.equal('');
  expect(run.stderr).to.match(/^mtls-conformance: [^\n]+\n$/);
  expect(run.stderr).to.not.match(/\n\s+at /);
  expect(run.stderr).to.match(pattern);
}

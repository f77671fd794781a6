/**
 * How the user started the CLI, so that a hint (`Check it:`, `Next:`, REGISTER.md) names a
 * command they can paste: `mtls-conformance` when that is on PATH, `npx mtls-conformance` from a
 * project that has it installed, otherwise `node <path to the entry script>`.
 */
import { realpathSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, relative, resolve } from 'node:path';
import { shellWord } from '../output/shell-word.js';

export interface InvocationInput {
  /** process.argv[1]: the script as started (a bin link stays a link here). */
  script: string;
  cwd: string;
  /** The PATH variable. */
  path: string;
}

export interface Invocation {
  /** For a line printed now, in this folder. */
  here: string;
  /** For a file read later, from anywhere (REGISTER.md, target.yaml comments). */
  anywhere: string;
}

export function invocationOf(input: InvocationInput): Invocation {
  const script = resolve(input.cwd, input.script);
  if (basename(script) === 'mtls-conformance') {
    // The first one on PATH is what a bare `mtls-conformance` runs: it must be this one.
    const first = input.path
      .split(delimiter)
      .filter((dir) => dir !== '' && isAbsolute(dir))
      .map((dir) => join(dir, 'mtls-conformance'))
      .find((candidate) => existing(candidate) !== undefined);
    if (first !== undefined && sameFile(first, script)) {
      return { here: 'mtls-conformance', anywhere: 'mtls-conformance' };
    }
    if (sameFile(join(input.cwd, 'node_modules', '.bin', 'mtls-conformance'), script)) {
      return { here: 'npx mtls-conformance', anywhere: `node ${shellWord(real(script))}` };
    }
  }
  const entry = real(script);
  const fromHere = relative(input.cwd, entry);
  const short = fromHere.startsWith('..') || isAbsolute(fromHere) ? entry : fromHere;
  return { here: `node ${shellWord(short)}`, anywhere: `node ${shellWord(entry)}` };
}

export function currentInvocation(): Invocation {
  return invocationOf({
    script: process.argv[1] ?? 'mtls-conformance',
    cwd: process.cwd(),
    path: process.env.PATH ?? '',
  });
}

function real(path: string): string {
  return existing(path) ?? path;
}

function existing(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

function sameFile(candidate: string, script: string): boolean {
  return existing(candidate) === real(script);
}

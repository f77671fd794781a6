import { existsSync } from 'node:fs';
import { chmod, mkdir, stat, unlink, writeFile } from 'node:fs/promises';
import { isAbsolute, relative, resolve } from 'node:path';
import { ConfigError } from '../errors.js';
import { PEM_LIMIT, readInputText } from '../input-file.js';
import { packageFile } from '../package-files.js';

/** A file init writes; secrets get mode 0600, everything else 0644. */
export interface OutputFile {
  path: string;
  content: string;
  secret?: boolean;
}

/** Reads a PEM file named on the command line; a problem is one ConfigError line naming it. */
export async function readInputFile(path: string, option: string): Promise<string> {
  return readInputText(path, {
    limit: PEM_LIMIT,
    problem: (problem, options) => new ConfigError(problem, { file: `${option} ${path}` }, options),
  });
}

/** Nothing is written when any file exists already, unless `force`. */
export async function refuseOverwrite(paths: readonly string[], force: boolean): Promise<void> {
  if (force) return;
  for (const path of paths) {
    const exists = await stat(path).then(
      () => true,
      () => false,
    );
    if (exists) throw new ConfigError('exists; pass --force to overwrite', { file: path });
  }
}

/** A folder for private keys: created (and tightened) to mode 0700. */
export async function privateFolder(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

export async function writeOutputFile(file: OutputFile): Promise<void> {
  // Replacing rather than rewriting: an overwritten key file gets mode 0600 too.
  await unlink(file.path).catch(() => undefined);
  try {
    await writeFile(file.path, file.content, { flag: 'wx', mode: file.secret ? 0o600 : 0o644 });
  } catch (err) {
    throw new ConfigError(
      `cannot write: ${(err as Error).message}`,
      { file: file.path },
      { cause: err },
    );
  }
}

/** A path as target.yaml in `fromDir` refers to it: relative ("./x", "../x") when possible. */
export function pathFrom(fromDir: string, target: string): string {
  const rel = relative(resolve(fromDir), resolve(target));
  if (isAbsolute(rel)) return rel;
  return rel.startsWith('..') ? rel : `./${rel}`;
}

/** schema/target.schema.json of this package, if it was shipped. */
export function targetSchemaFile(): string | undefined {
  const file = packageFile('schema/target.schema.json');
  return existsSync(file) ? file : undefined;
}

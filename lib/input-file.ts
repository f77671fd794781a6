/**
 * Reading a file a user named (on the command line or in a config): regular files only, and the
 * size checked before a byte is read. A FIFO would block the run forever, /dev/zero never ends,
 * and a 120 MB YAML would be parsed into most of a gigabyte: each is refused at once, in one line.
 */
import type { Stats } from 'node:fs';
import { constants } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ConfigError } from './errors.js';

export interface InputLimit {
  maxBytes: number;
  /** What such a file is, for the message ("a target config"). */
  what: string;
}

const MIB = 1024 * 1024;

/**
 * Target configs, manifests, JWKs and --expected-failures baselines are a few KiB; 1 MiB leaves
 * a hundredfold margin while bounding what the YAML and JSON parsers are handed.
 */
export const DOCUMENT_LIMIT: InputLimit = { maxBytes: MIB, what: 'a config, manifest or key file' };
export const TARGET_CONFIG_LIMIT: InputLimit = { ...DOCUMENT_LIMIT, what: 'a target config' };

/**
 * PEM certificates and keys: a CA bundle holding every public root is about 0.25 MB, and
 * certificates are parsed one by one, so 4 MiB is generous without letting a stray disk image in.
 */
export const PEM_LIMIT: InputLimit = { maxBytes: 4 * MIB, what: 'a PEM file' };

export interface InputFileOptions {
  limit: InputLimit;
  /**
   * Turns a problem ("is a FIFO (named pipe), not a regular file") into the caller's one-line
   * error; the default is a ConfigError naming the path.
   */
  problem?: (problem: string, options?: { cause: unknown }) => Error;
}

// O_NONBLOCK: should the path become a FIFO between the check and the open, the open still
// returns at once (and the check on the opened file refuses it). O_NOCTTY: a terminal named by
// mistake never becomes the process's controlling terminal.
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOCTTY ?? 0);
const CHUNK_BYTES = 64 * 1024;

export async function readInputText(path: string, options: InputFileOptions): Promise<string> {
  return (await readInputBytes(path, options)).toString('utf8');
}

export async function readInputBytes(path: string, options: InputFileOptions): Promise<Buffer> {
  const fail =
    options.problem ??
    ((problem: string, cause?: { cause: unknown }) =>
      new ConfigError(problem, { file: path }, cause));
  const { limit } = options;
  // Checked before the open too: opening a device can do something by itself (a tape rewinds).
  const before = await stat(path).catch((err: unknown) => {
    throw fail(describeReadFailure(err), { cause: err });
  });
  const refusal = refuse(before, limit);
  if (refusal !== undefined) throw fail(refusal);

  const handle = await open(path, OPEN_FLAGS).catch((err: unknown) => {
    throw fail(describeReadFailure(err), { cause: err });
  });
  try {
    // The file opened is what counts: the path may have been swapped since the stat.
    const opened = refuse(await handle.stat(), limit);
    if (opened !== undefined) throw fail(opened);
    const chunks: Buffer[] = [];
    let total = 0;
    // Read to the end, never past the limit: a file that grows while being read is bounded too.
    for (;;) {
      const chunk = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, limit.maxBytes + 1 - total));
      const { bytesRead } = await handle.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > limit.maxBytes) {
        throw fail(`grew past ${formatBytes(limit.maxBytes)} while being read: check the path`);
      }
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function refuse(info: Stats, limit: InputLimit): string | undefined {
  if (!info.isFile()) return `${describeKind(info)}, not a regular file: give the path of a file`;
  if (info.size > limit.maxBytes) {
    return `is ${formatBytes(info.size)}, more than ${limit.what} can be (at most ${formatBytes(limit.maxBytes)}): check the path`;
  }
  return undefined;
}

/** "a FIFO (named pipe)", "a folder": what a path that is not a regular file is. */
export function describeKind(info: Stats): string {
  if (info.isFile()) return 'is a regular file';
  if (info.isDirectory()) return 'is a folder';
  if (info.isFIFO()) return 'is a FIFO (named pipe)';
  if (info.isCharacterDevice()) return 'is a character device';
  if (info.isBlockDevice()) return 'is a block device';
  if (info.isSocket()) return 'is a socket';
  if (info.isSymbolicLink()) return 'is a symbolic link';
  return 'is not a regular file';
}

/** 125829120 → "120.0 MiB"; small sizes in bytes. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < MIB) return `${(bytes / 1024).toFixed(1)} KiB`;
  if (bytes < 1024 * MIB) return `${(bytes / MIB).toFixed(1)} MiB`;
  return `${(bytes / (1024 * MIB)).toFixed(1)} GiB`;
}

/** The reason a file could not be read, phrased for a user ("file not found"). */
export function describeReadFailure(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'file not found';
    case 'EISDIR':
      return 'is a folder, not a regular file: give the path of a file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'file not found (a parent is not a directory)';
    case 'ELOOP':
      return 'a symbolic link loop';
    default:
      return `cannot read: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * A V8 code cache for the bundled CLI. Node 20 has no compile cache of its own (Node 22's
 * module.enableCompileCache), and compiling the bundle's functions again in every process costs
 * more than most runs spend on the network. So the bundle is run as a CommonJS wrapper through
 * vm.Script with the code V8 produced the last time; when there was none (or V8 rejected it),
 * the code compiled by the end of this process is saved for the next one.
 */
import { isAscii } from 'node:buffer';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { Script, constants as vmConstants } from 'node:vm';
import { COMMAND_NAMES } from './command-names.js';

/** How the cache served this process: off (disabled or unusable), none yet, used, rejected. */
export type CodeCacheState = 'off' | 'none' | 'used' | 'rejected';

export interface LoadedCommonJs<T> {
  exports: T;
  cache: CodeCacheState;
  /**
   * Saves the code compiled so far when the cache had nothing usable; call it once the work is
   * done, so the cache holds every function this run needed, not only the top level.
   */
  saveCache(): void;
}

/**
 * Runs a CommonJS file the way Node's loader would (module, exports, require relative to the
 * file), compiling it with `cacheFile`'s code when that is still valid for this source.
 */
export function loadCommonJs<T>(file: string, cacheFile: string | undefined): LoadedCommonJs<T> {
  const bytes = readFileSync(file);
  // scripts/bundle.ts writes ASCII, which latin1 decodes the same as UTF-8, several times faster.
  const source = isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
  const cachedData = cacheFile === undefined ? undefined : readIfPresent(cacheFile);
  // Same wrapper as Node's own CommonJS loader, on the first line so line numbers still match.
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {${source}\n})`,
    {
      filename: file,
      ...(cachedData ? { cachedData } : {}),
      importModuleDynamically: vmConstants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    },
  );
  const cache: CodeCacheState =
    cacheFile === undefined
      ? 'off'
      : cachedData === undefined
        ? 'none'
        : script.cachedDataRejected
          ? 'rejected'
          : 'used';
  const wrapper = script.runInThisContext() as (
    exports: unknown,
    require: NodeJS.Require,
    module: { exports: unknown },
    filename: string,
    dirname: string,
  ) => void;
  const module = { exports: {} as unknown };
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  return {
    exports: module.exports as T,
    cache,
    saveCache: () => {
      if (cacheFile !== undefined && (cache === 'none' || cache === 'rejected')) {
        writeCache(cacheFile, script.createCachedData());
      }
    },
  };
}

/**
 * Where the code for `command` of the bundle whose content id is `bundleId` is kept, or
 * undefined when caching is off or no private directory can be had. The directory must belong to
 * this user and be writable by nobody else: V8 trusts what it deserialises.
 */
export function codeCacheFile(opts: {
  bundleId: string;
  command: string;
  env: NodeJS.ProcessEnv;
}): string | undefined {
  const { env } = opts;
  if (['0', 'off', 'false'].includes((env.MTLS_CONFORMANCE_CODE_CACHE ?? '').toLowerCase())) {
    return undefined;
  }
  const dir =
    env.MTLS_CONFORMANCE_CACHE_DIR ||
    join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'mtls-conformance');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0) {
      return undefined;
    }
  } catch {
    return undefined;
  }
  // --help and --version share one file; a mistyped command gets none (it would only pile up).
  if (opts.command !== '' && !COMMAND_NAMES.includes(opts.command)) return undefined;
  const command = opts.command === '' ? 'other' : opts.command;
  const node = `${process.version}-${process.arch}`;
  return join(dir, `${command}.${node}.${opts.bundleId}.v8`);
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Written whole or not at all (a private temp file renamed over the old one), since several runs
 * may start at once; the files of earlier builds for the same command go, so rebuilding does not
 * pile them up. A cache is only ever an optimisation: any failure leaves things as they were.
 */
function writeCache(file: string, data: Buffer): void {
  const dir = dirname(file);
  const temp = `${file}.${process.pid}.tmp`;
  try {
    writeFileSync(temp, data, { mode: 0o600 });
    renameSync(temp, file);
    const command = `${basename(file).split('.')[0]}.`;
    for (const name of readdirSync(dir)) {
      if (name.startsWith(command) && name.endsWith('.v8') && name !== basename(file)) {
        unlinkSync(join(dir, name));
      }
    }
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // already gone
    }
  }
}

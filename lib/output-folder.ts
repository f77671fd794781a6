/**
 * A folder the harness is to write into (--report-dir, certs --out), checked before anything is
 * written or sent: creating files under /proc or /sys cannot work (and Node's recursive mkdir
 * never returns under /proc), a dangling symlink or a file in its place would fail half-way.
 */
import { constants } from 'node:fs';
import { access, lstat, readlink, realpath, stat, statfs } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { ConfigError } from './errors.js';
import { describeKind } from './input-file.js';

/**
 * Whether the folder exists already; throws a one-line ConfigError naming `option` and the path
 * when it cannot be used: not a folder, a dangling symlink, on a kernel file system, or not
 * writable by this process.
 */
export async function checkOutputFolder(dir: string, option: string): Promise<boolean> {
  const problem = (text: string, cause?: unknown) =>
    new ConfigError(
      text,
      { file: `${option} ${dir}` },
      cause === undefined ? undefined : { cause },
    );
  let info = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    // ENOTDIR: a parent is a file, which nearestExisting names.
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
    throw problem(`cannot be used (${err.code})`, err);
  });
  if (info?.isSymbolicLink()) {
    const target = await stat(dir).catch(() => undefined);
    if (target === undefined) {
      const to = await readlink(dir).catch(() => '?');
      throw problem(
        `is a symbolic link to ${to}, which does not exist: remove the link, create its target, or give another folder`,
      );
    }
    info = target;
  }
  if (info !== undefined && !info.isDirectory()) {
    throw problem(`${describeKind(info)}, not a folder: give a folder (it is created if missing)`);
  }
  const existing = info === undefined ? await nearestExisting(dir, problem) : dir;
  await refuseSpecialFileSystem(existing, problem);
  try {
    await access(existing, constants.W_OK | constants.X_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'a read-only file system' : `${code}: permission denied`;
    throw problem(`cannot write into ${existing} (${why}): give a folder you can write to`, err);
  }
  return info !== undefined;
}

/** The closest ancestor of a folder to be created; it must be a folder itself. */
async function nearestExisting(
  dir: string,
  problem: (text: string) => ConfigError,
): Promise<string> {
  let current = resolve(dir);
  for (;;) {
    const parent = dirname(current);
    const info = await stat(parent).catch(() => undefined);
    if (info !== undefined) {
      if (!info.isDirectory()) {
        throw problem(`cannot be created: ${parent} ${describeKind(info)}, not a folder`);
      }
      return parent;
    }
    if (parent === current) throw problem('cannot be created: no ancestor folder exists');
    current = parent;
  }
}

/** Kernel file systems hold no files (and recursive mkdir never returns under /proc). */
const SPECIAL_ROOTS = new Map([
  ['/proc', 'procfs'],
  ['/sys', 'sysfs'],
  ['/dev', 'device files'],
]);
const SPECIAL_FILE_SYSTEMS = new Map<number, string>([
  [0x9fa0, 'procfs'],
  [0x62656572, 'sysfs'],
  [0x1cd1, 'devpts'],
  [0x27e0eb, 'cgroupfs'],
  [0x63677270, 'cgroup2fs'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
]);

async function refuseSpecialFileSystem(
  existing: string,
  problem: (text: string) => ConfigError,
): Promise<void> {
  const real = await realpath(existing).catch(() => resolve(existing));
  const root = [...SPECIAL_ROOTS.keys()].find((r) => real === r || real.startsWith(`${r}${sep}`));
  const type = await statfs(real).then(
    (s) => SPECIAL_FILE_SYSTEMS.get(Number(s.type)),
    () => undefined,
  );
  if (root === undefined && type === undefined) return;
  const what = type ?? SPECIAL_ROOTS.get(root ?? '');
  throw problem(
    `is on ${root ?? real} (${what}), which cannot hold files: give an ordinary folder`,
  );
}

import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { FLEET_FILES } from './fleet-folder.js';

/** One target of a fleet: its config file, and the name its report package goes under. */
export interface FleetTarget {
  /** The config file name without its extension (`staging-eu` for staging-eu.yaml). */
  name: string;
  file: string;
}

const CONFIG_EXTENSIONS = new Set(['.yaml', '.yml', '.json']);

/**
 * `--target` as given: config files, and folders standing for the configs in them (`*.yaml`,
 * `*.yml`, `*.json`, not recursively, in name order). Every name must be usable as the folder
 * of its report package, once: two configs named alike (a.yaml and a.json), a name the fleet
 * index uses, or a hidden one are refused, naming both files.
 */
export async function fleetTargets(paths: readonly string[]): Promise<FleetTarget[]> {
  const targets: FleetTarget[] = [];
  for (const path of paths) {
    const info = await stat(path).catch(() => undefined);
    if (info === undefined) {
      throw new UsageError(`--target ${path}: no such file or folder`);
    }
    if (!info.isDirectory()) {
      targets.push({ name: nameOf(path), file: path });
      continue;
    }
    const entries = (await readdir(path, { withFileTypes: true }))
      .filter((e) => e.isFile() && CONFIG_EXTENSIONS.has(extname(e.name).toLowerCase()))
      .map((e) => e.name)
      .sort();
    if (entries.length === 0) {
      throw new UsageError(
        `--target ${path}: a folder with no target config in it (*.yaml, *.yml, *.json)`,
      );
    }
    for (const entry of entries) targets.push({ name: nameOf(entry), file: join(path, entry) });
  }
  const byName = new Map<string, string>();
  for (const { name, file } of targets) {
    if (name === '' || name.startsWith('.')) {
      throw new UsageError(
        `--target ${file}: its report folder would be named "${name}", a hidden name: rename the file`,
      );
    }
    if (FLEET_FILES.includes(name)) {
      throw new UsageError(
        `--target ${file}: its report folder would be named "${name}", which the fleet index uses: rename the file`,
      );
    }
    const other = byName.get(name);
    if (other !== undefined && resolve(other) === resolve(file)) {
      throw new UsageError(`--target ${file}: given twice: name each target once`);
    }
    if (other !== undefined) {
      throw new UsageError(
        `--target ${file} and ${other}: both would report into the folder "${name}": rename one`,
      );
    }
    byName.set(name, file);
  }
  return targets;
}

function nameOf(file: string): string {
  const base = basename(file);
  const ext = extname(base);
  return ext === '' ? base : base.slice(0, -ext.length);
}

import { readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/**
 * Copies of the reference targets' configs into one folder, named apart (a fleet names each
 * report package after its config file), with every relative path made absolute so the copies
 * still find their certificates.
 */
export async function fleetConfigs(targets: readonly string[], dir: string): Promise<string[]> {
  const written: string[] = [];
  for (const [i, target] of targets.entries()) {
    const from = dirname(target);
    const config = JSON.parse(await readFile(target, 'utf8')) as unknown;
    const absolute = (value: unknown): unknown => {
      if (typeof value === 'string') {
        return value.startsWith('./') || value.startsWith('../') ? resolve(from, value) : value;
      }
      if (Array.isArray(value)) return value.map(absolute);
      if (value !== null && typeof value === 'object') {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, absolute(v)]));
      }
      return value;
    };
    const file = join(dir, `tenant-${String(i + 1).padStart(2, '0')}-${basename(from)}.json`);
    await writeFile(file, JSON.stringify(absolute(config)), { mode: 0o600 });
    written.push(file);
  }
  return written;
}

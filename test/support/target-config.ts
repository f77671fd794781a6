import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import type { Target } from '../../lib/target/target.js';

/**
 * A Target as loadTarget builds it from `config` (written as JSON into `dir`, so its paths are
 * relative to `dir`), without the network: no discovery, no capabilities.
 */
export async function targetFromConfig(dir: string, config: object): Promise<Target> {
  const file = join(dir, `target-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(config));
  const loaded = await loadTargetConfig(file);
  return {
    ...loaded,
    metadataProblems: [],
    mtlsEndpoints: loaded.endpoints,
    capabilities: new Set(),
  };
}

/**
 * One run of some scenarios against the reference server (with defects), its own target config
 * changed first: how the scenario tests look at one verdict on a target that lacks, or
 * misstates, something.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { DefectName } from '../../lib/reference/defects.js';
import { startReferenceServer } from '../../lib/reference/server.js';
import type { ScenarioResult } from '../../lib/report/run-result.js';
import { runTarget } from '../../lib/runner/run-target.js';

export async function runEditedReference(opts: {
  stateDir: string;
  only: string[];
  defects?: DefectName[];
  // biome-ignore lint/suspicious/noExplicitAny: a target config as JSON, edited freely by tests.
  edit?: (config: any) => void;
}): Promise<Map<string, ScenarioResult>> {
  const server = await startReferenceServer({
    stateDir: opts.stateDir,
    port: 0,
    defects: opts.defects ?? [],
  });
  try {
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8'));
    opts.edit?.(config);
    // Beside the original, so its relative paths still resolve.
    const targetFile = join(dirname(server.targetConfigPath), 'edited-target.json');
    await writeFile(targetFile, JSON.stringify(config), { mode: 0o600 });
    const { run } = await runTarget({
      targetFile,
      selection: { only: opts.only },
      timeoutMs: 5_000,
    });
    return new Map(run.scenarios.map((s) => [s.id, s]));
  } finally {
    await server.close();
  }
}

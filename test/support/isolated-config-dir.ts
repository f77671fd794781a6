/**
 * Loaded by mocha before any test (`require` in .mocharc.json): the CLI keeps its default report
 * signing key in the user's config folder, and tests must never write there. The test process,
 * and every CLI the tests start (they inherit its environment), use a private folder instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const scratch = mkdtempSync(join(tmpdir(), 'mtls-config-'));
process.env.MTLS_CONFORMANCE_CONFIG_DIR = join(scratch, 'config');

export const mochaHooks = {
  afterAll(): void {
    rmSync(scratch, { recursive: true, force: true });
  },
};

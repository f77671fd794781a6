import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/bench/<file>.js → the repository root (two levels up from dist/bench). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CLI = join(REPO_ROOT, 'dist', 'bin', 'mtls-conformance.js');
export const BENCH_DIST = join(REPO_ROOT, 'dist', 'bench');
export const RESULTS_FILE = join(REPO_ROOT, 'bench', 'results.json');

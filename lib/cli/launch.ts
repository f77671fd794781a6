/**
 * How bin/mtls-conformance starts the CLI: from the bundle `npm run build` writes (one file,
 * compiled with a code cache), or from tsc's module tree when there is no bundle or it is older
 * than that tree (after a bare `tsc`), so a stale bundle never runs.
 */
import { readFileSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { codeCacheFile, loadCommonJs } from './code-cache.js';

type Main = (argv: string[]) => Promise<number>;

const BUNDLE = fileURLToPath(new URL('../../cli/mtls-conformance.cjs', import.meta.url));
/** Written by scripts/bundle.ts beside the bundle: the hash of its content. */
const BUNDLE_ID = `${BUNDLE}.id`;
/** Rewritten by every tsc build. */
const MODULE_TREE_MARK = fileURLToPath(new URL('./main.js', import.meta.url));

export async function launch(argv: string[]): Promise<number> {
  quietOnClosedPipes();
  const bundleId = currentBundleId();
  if (bundleId === undefined) {
    const { main } = (await import('./bundle-entry.js')) as { main: Main };
    return main(argv);
  }
  const loaded = loadCommonJs<{ main: Main }>(
    BUNDLE,
    codeCacheFile({
      bundleId,
      command: argv.find((a) => !a.startsWith('-')) ?? '',
      env: process.env,
    }),
  );
  const exitCode = await loaded.exports.main(argv);
  loaded.saveCache();
  return exitCode;
}

function currentBundleId(): string | undefined {
  if (process.env.MTLS_CONFORMANCE_UNBUNDLED === '1') return undefined;
  try {
    if (statSync(BUNDLE).mtimeMs < statSync(MODULE_TREE_MARK).mtimeMs) return undefined;
    return readFileSync(BUNDLE_ID, 'utf8').trim();
  } catch {
    return undefined;
  }
}

/**
 * `mtls-conformance list | head`: once the reader is gone every write fails with EPIPE, which
 * Node raises as an unhandled 'error' event (a stack trace). Output is dropped from then on and
 * the command finishes as it would have: a run still writes its report and exits with its
 * verdict. Any other stream error is thrown as before.
 */
function quietOnClosedPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE') throw err;
    });
  }
}

import { fileURLToPath } from 'node:url';

/**
 * A file shipped at the package root (package.json, schema/…), as an absolute path. Every module
 * that calls this sits two levels below the root once built: dist/lib/package-files.js when run
 * from tsc's output, dist/cli/mtls-conformance.cjs when bundled (the bundle gets this module's
 * import.meta.url pointed at itself), so one relative step serves both.
 */
export function packageFile(relativePath: string): string {
  return fileURLToPath(new URL(`../../${relativePath}`, import.meta.url));
}

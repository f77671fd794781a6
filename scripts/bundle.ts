/**
 * Bundles the CLI (dist/lib/cli/bundle-entry.js and everything it reaches, dependencies
 * included) into dist/cli/mtls-conformance.cjs, and writes the hash of its content beside it
 * (`.id`), which keys the code cache (lib/cli/code-cache.ts). Run by `npm run build` after tsc.
 *
 * Why a bundle: on Node 20 a `run` spent ~0.7 s resolving, reading and compiling some 900
 * modules before it sent a byte; one file with a code cache starts in a fraction of that.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const ENTRY = join(ROOT, 'dist/lib/cli/bundle-entry.js');
const OUT = join(ROOT, 'dist/cli/mtls-conformance.cjs');

/**
 * One exact expression in one dependency file, replaced as the bundle is built. Fails the build
 * when the expression is gone (a dependency update), so a patch never silently stops applying.
 */
function patch(opts: {
  name: string;
  file: RegExp;
  original: string;
  replacement: string;
}): Plugin {
  return {
    name: opts.name,
    setup(b) {
      b.onLoad({ filter: opts.file }, async (args) => {
        const source = await readFile(args.path, 'utf8');
        if (!source.includes(opts.original)) {
          throw new Error(`${args.path}: "${opts.original}" not found; update scripts/bundle.ts`);
        }
        const contents = source.replace(opts.original, opts.replacement);
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

const patches = [
  // mochawesome-report-generator copies its page assets from `<its lib dir>/../dist`; inside the
  // bundle __dirname is dist/cli, so that one expression is pointed back at the installed package.
  patch({
    name: 'mochawesome-report-generator-assets',
    file: /mochawesome-report-generator[\\/]lib[\\/]main\.js$/,
    original: "path.join(__dirname, '..', 'dist')",
    replacement:
      "path.join(path.dirname(require.resolve('mochawesome-report-generator/package.json')), 'dist')",
  }),
  // undici's cookie helpers also accept Node's global Headers, and merely reading that global
  // makes Node 20 load and compile its own copy of undici: ~50 ms of every start-up. The harness
  // never uses undici's cookie helpers, so they check undici's own Headers only.
  patch({
    name: 'undici-cookies-without-global-headers',
    file: /undici[\\/]lib[\\/]web[\\/]cookies[\\/]index\.js$/,
    original: '[Headers, globalThis.Headers].filter(Boolean)',
    replacement: '[Headers]',
  }),
  // After starting a command's handler yargs renders that command's full help and caches it, in
  // case the handler later asks for it (~30 ms of every run, mostly string-width's regexps). No
  // handler here shows help; `--help` and usage errors render it as before.
  patch({
    name: 'yargs-no-help-rendered-per-command',
    file: /yargs[\\/]build[\\/]lib[\\/]command\.js$/,
    original: 'yargs.getInternalMethods().getUsageInstance().cacheHelpMessage();',
    replacement: '',
  }),
];

/**
 * yargs, cliui and wrap-ansi import string-width statically, and each of its three copies builds
 * an Intl.Segmenter and Unicode-property regular expressions (RGI_Emoji among them) as it loads:
 * ~50 ms of every start-up, for text widths that only help and usage messages need. Their imports
 * get a stand-in that loads the real module on the first call (a module reached by require() is
 * initialised only when required, in esbuild's output). Widths, and so help output, are
 * unchanged.
 */
const deferStringWidth: Plugin = {
  name: 'defer-string-width',
  setup(b) {
    b.onResolve({ filter: /^string-width$/ }, async (args) => {
      if (args.kind !== 'import-statement' || args.pluginData?.real === true) return undefined;
      const real = await b.resolve(args.path, {
        kind: 'require-call',
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: { real: true },
      });
      if (real.errors.length > 0) return { errors: real.errors };
      // Relative to the package, so the bundle (and its id) does not depend on where it is built.
      return { path: relative(ROOT, real.path), namespace: 'deferred-string-width' };
    });
    b.onLoad({ filter: /.*/, namespace: 'deferred-string-width' }, (args) => ({
      contents: [
        'let width;',
        'export default function stringWidth(text, options) {',
        `  width ??= require(${JSON.stringify(join(ROOT, args.path))}).default;`,
        '  return width(text, options);',
        '}',
      ].join('\n'),
      loader: 'js',
      resolveDir: dirname(join(ROOT, args.path)),
    }));
  },
};

const result = await build({
  entryPoints: [ENTRY],
  outfile: OUT,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  charset: 'ascii',
  // ESM modules reach their own location through import.meta.url; in the bundle that is the
  // bundle file, which sits at the same depth below the package root as dist/lib/*.js.
  define: { 'import.meta.url': '__bundleFileUrl' },
  banner: { js: "const __bundleFileUrl = require('node:url').pathToFileURL(__filename).href;" },
  plugins: [...patches, deferStringWidth],
  // The browser driver stays a package of its own, required only by the first login (its
  // dynamic import in lib/login/login-service.ts becomes a lazy module here): bundled, its
  // 8 MB would be read and compiled by every start-up, login or not.
  external: ['playwright-core'],
  legalComments: 'none',
  logLevel: 'warning',
  // mocha's parallel mode (worker files found with require.resolve) is never used by the harness.
  logOverride: { 'require-resolve-not-external': 'silent' },
  metafile: true,
  // Written below, once made ASCII.
  write: false,
});
if (result.errors.length > 0) process.exit(1);
const output = result.outputFiles[0];
if (output === undefined) throw new Error('esbuild produced no bundle');

// ASCII only, so the launcher can decode it as latin1 (~20 ms less than UTF-8 for 3.5 MB).
// esbuild already escapes non-ASCII characters in code (charset: 'ascii'); what is left is in
// comments kept from dependencies, where \u{…} reads the same.
const text = output.text.replace(
  /[\u{80}-\u{10ffff}]/gu,
  (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16)}}`,
);
await mkdir(dirname(OUT), { recursive: true });
await writeFile(OUT, text);

const id = createHash('sha256').update(text).digest('hex').slice(0, 16);
await writeFile(`${OUT}.id`, `${id}\n`);
const inputs = Object.keys(result.metafile.inputs).length;
process.stdout.write(`bundle: ${OUT} (${inputs} modules, id ${id})\n`);

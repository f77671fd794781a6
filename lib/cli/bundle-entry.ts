/**
 * What scripts/bundle.ts bundles into dist/cli/mtls-conformance.cjs: the whole CLI as one
 * CommonJS file, so a run compiles one script (with a V8 code cache, see code-cache.ts) instead
 * of resolving and compiling several hundred modules.
 */
// reflect-metadata must be loaded before @peculiar/x509 is first imported (see NODE20-NOTES.md).
import 'reflect-metadata';

export { main } from './main.js';

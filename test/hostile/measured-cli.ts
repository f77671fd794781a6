/**
 * The CLI entry, plus a record of the process's peak memory: `node measured-cli.js RSS_FILE
 * <command> …` runs the command exactly as bin/mtls-conformance does, then writes the peak
 * resident set size (KiB) to RSS_FILE, so a test can assert that memory stayed bounded.
 */
import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { main } from '../../lib/cli/main.js';

// A permissive umask shows that file modes are set explicitly, not inherited.
if (process.env.MTLS_TEST_UMASK !== undefined) {
  process.umask(Number.parseInt(process.env.MTLS_TEST_UMASK, 8));
}
const [rssFile, ...argv] = process.argv.slice(2);
if (rssFile === undefined) throw new Error('usage: measured-cli RSS_FILE <command> …');
const code = await main(argv);
writeFileSync(rssFile, String(process.resourceUsage().maxRSS));
process.exitCode = code;

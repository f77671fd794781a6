/**
 * Preloaded into a measured child (`node --import …/rss-probe.js`): writes the process's peak
 * resident set size (KiB) to $BENCH_RSS_FILE as it exits. Costs one file write, nothing at load.
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    writeFileSync(file, String(process.resourceUsage().maxRSS));
  });
}

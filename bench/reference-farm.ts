/**
 * A child process hosting N reference servers on 127.0.0.1 that share one certificate set (so
 * nothing is minted per server). Prints one JSON line {"targets":[target.json paths],
 * "listening":[their main listeners]} once all listen, and stops them on SIGTERM or when stdin
 * closes. With a public origin (one server only) the server publishes that origin: the
 * benchmark's delay proxy in front of it.
 *
 *   node dist/bench/reference-farm.js <state-root> <count> [first-index] [public-origin]
 */
import 'reflect-metadata';
import { join } from 'node:path';
import { startReferenceServer } from '../lib/reference/server.js';

const [stateRoot, countText = '1', firstText = '0', publicOrigin] = process.argv.slice(2);
if (stateRoot === undefined) {
  process.stderr.write('usage: reference-farm.js <state-root> <count> [first-index]\n');
  process.exit(2);
}
const count = Number(countText);
const first = Number(firstText);
const certsDir = join(stateRoot, 'certs');

// The first server mints the shared set if it is not there yet; the others then reuse it.
const servers = [
  await startReferenceServer({
    stateDir: join(stateRoot, `target-${first}`),
    certsDir,
    ...(publicOrigin === undefined ? {} : { publicOrigins: { main: publicOrigin } }),
  }),
];
servers.push(
  ...(await Promise.all(
    Array.from({ length: count - 1 }, (_, i) =>
      startReferenceServer({ stateDir: join(stateRoot, `target-${first + i + 1}`), certsDir }),
    ),
  )),
);
process.stdout.write(
  `${JSON.stringify({
    targets: servers.map((s) => s.targetConfigPath),
    listening: servers.map((s) => s.listening.main),
  })}\n`,
);

const stop = async () => {
  await Promise.all(servers.map((s) => s.close()));
  process.exit(0);
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
process.stdin.on('end', stop).resume();

/**
 * Times minting the default certificate set in memory (what `certs` and the reference server's
 * first start do), `runs` times, in a fresh process. Prints {"keyType","coldMs","ms":[…]}.
 *
 *   node dist/bench/mint-timing.js <ec|rsa> <runs>
 */
import 'reflect-metadata';
import { mintCertSetInMemory } from '../lib/certs/cert-set.js';
import type { KeyType } from '../lib/certs/mint.js';

const keyType = (process.argv[2] ?? 'ec') as KeyType;
const runs = Number(process.argv[3] ?? '5');
const ms: number[] = [];
// The first call also pays for compiling the library's code paths: reported on its own.
const coldStarted = performance.now();
await mintCertSetInMemory({ keyType });
const coldMs = Math.round(performance.now() - coldStarted);
for (let i = 0; i < runs; i++) {
  const started = performance.now();
  const set = await mintCertSetInMemory({ keyType });
  ms.push(Math.round(performance.now() - started));
  if (set.identities.length === 0) throw new Error('empty certificate set');
}
process.stdout.write(`${JSON.stringify({ keyType, coldMs, ms })}\n`);

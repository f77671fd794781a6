import 'reflect-metadata';
import { join } from 'node:path';
import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { main } from '../../lib/cli/main.js';
import { ConfigError, TargetUnreachableError } from '../../lib/errors.js';
import { loadTarget } from '../../lib/target/load-target.js';
import {
  TargetWorkspace,
  twoClientConfigParts,
  writeManifest,
} from '../target/target-workspace.js';

/**
 * Property: whatever the target config holds, `run` ends in a known way. Either there is a
 * Target (and the run goes on: exit 0 or 1), or the user gets one line on stderr and exit 2
 * (config error) or 3 (unreachable). Never exit 4 (internal error), never an exception out of
 * main(). The loader itself yields a Target, a ConfigError or a TargetUnreachableError, nothing
 * else. The endpoints point at a closed port on 127.0.0.1, so no run waits for anything.
 */
describe('config loader and `run` under property-based inputs', function () {
  this.timeout(60_000);
  let ws: TargetWorkspace;
  let counter = 0;
  const outcomes = new Map<number, number>();

  const validConfig = (): Record<string, unknown> => ({
    endpoints: { token: 'https://127.0.0.1:9/token' },
    ...twoClientConfigParts(),
    resource: { url: 'https://127.0.0.1:9/r', expected_status: 200 },
  });

  before(async () => {
    ws = await TargetWorkspace.create();
    await writeManifest(ws);
  });
  after(async () => {
    await ws?.dispose();
    const summary = [...outcomes].map(([code, n]) => `exit ${code} × ${n}`).join(', ');
    process.stdout.write(`      run outcomes: ${summary}\n`);
  });

  /** main() in this process with stdout/stderr captured; returns the exit code and stderr. */
  async function runMain(argv: string[]): Promise<{ code: number; stderr: string }> {
    const writes = { out: process.stdout.write, err: process.stderr.write };
    const savedExitCode = process.exitCode;
    let stderr = '';
    process.exitCode = undefined;
    process.stdout.write = (() => true) as typeof process.stdout.write;
    process.stderr.write = ((chunk: string | Uint8Array) => {
      stderr += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
      return true;
    }) as typeof process.stderr.write;
    try {
      const code = await main(argv);
      return { code, stderr };
    } finally {
      process.stdout.write = writes.out;
      process.stderr.write = writes.err;
      process.exitCode = savedExitCode;
    }
  }

  async function check(text: string, extension: string): Promise<void> {
    counter += 1;
    const file = await ws.write(`prop-${counter}${extension}`, text);
    const { code, stderr } = await runMain([
      'run',
      '--target',
      file,
      '--report-dir',
      join(ws.dir, `report-${counter}`),
      '--only',
      'DISC-02',
      '--timeout-ms',
      '500',
    ]);
    outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
    const input = JSON.stringify(text.slice(0, 200));
    expect([0, 1, 2, 3], `exit ${code} for ${input}: ${stderr}`).to.include(code);
    if (code === 2 || code === 3) {
      expect(stderr, input).to.match(/^mtls-conformance: [^\n]+\n$/);
    } else {
      expect(stderr, input).to.equal('');
    }
  }

  const extension = fc.constantFrom('.yaml', '.json');

  it('a valid config with a random value at a random place: exit 0–3, one line for 2 and 3', async () => {
    const paths = collectPaths(validConfig());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(undefined)),
        extension,
        async (path, value, ext) => {
          const config = validConfig();
          setAt(config, path, value);
          await check(ext === '.json' ? JSON.stringify(config) : stringify(config), ext);
        },
      ),
      { numRuns: 60, seed: 8705 },
    );
    expect(outcomes.get(2) ?? 0, 'some inputs are refused').to.be.greaterThan(0);
    expect((outcomes.get(0) ?? 0) + (outcomes.get(1) ?? 0), 'some inputs run').to.be.greaterThan(0);
  });

  it('random bytes and random YAML-ish text: never exit 4, one line on error', async () => {
    const yamlish = fc
      .array(
        fc.oneof(
          fc.string({ maxLength: 8 }),
          fc.constantFrom(': ', '- ', '\n', '  ', '{', '[', '&a ', '*a', '!!binary ', 'clients:'),
        ),
        { maxLength: 20 },
      )
      .map((parts) => parts.join(''));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ unit: 'binary', maxLength: 120 }), yamlish),
        extension,
        async (text, ext) => check(text, ext),
      ),
      { numRuns: 60, seed: 8705 },
    );
  });

  it('loadTarget: a Target, a ConfigError or a TargetUnreachableError, never anything else', async () => {
    const paths = collectPaths({ ...validConfig(), issuer: 'https://127.0.0.1:9' });
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.jsonValue({ maxDepth: 2 }),
        async (path, value) => {
          const config: Record<string, unknown> = {
            ...validConfig(),
            issuer: 'https://127.0.0.1:9',
          };
          setAt(config, path, value);
          counter += 1;
          const file = await ws.writeConfig(`load-${counter}.yaml`, config);
          try {
            const { dispatchers } = await loadTarget(file, { timeouts: { connectMs: 500 } });
            await dispatchers.close();
          } catch (err) {
            if (!(err instanceof ConfigError) && !(err instanceof TargetUnreachableError))
              throw err;
            expect(err.message).to.not.match(/[\r\n]/);
            expect(err.exitCode).to.equal(err instanceof ConfigError ? 2 : 3);
          }
        },
      ),
      { numRuns: 60, seed: 8705 },
    );
  });
});

type Segment = string | number;

function collectPaths(value: unknown, prefix: Segment[] = []): Segment[][] {
  const paths: Segment[][] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((item, i) => {
      paths.push(...collectPaths(item, [...prefix, i]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      paths.push(...collectPaths(item, [...prefix, key]));
    }
  }
  return paths.filter((p) => p.length > 0);
}

function setAt(root: unknown, path: Segment[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last === undefined) return;
  if (value === undefined) delete node[last];
  else node[last] = value;
}

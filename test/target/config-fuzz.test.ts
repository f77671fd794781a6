import 'reflect-metadata';
import { expect } from 'chai';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { ConfigError } from '../../lib/errors.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import { TargetWorkspace, twoClientConfigParts, writeManifest } from './target-workspace.js';

/**
 * Garbled, random and half-right configs: the loader may accept them or refuse them, but the only
 * thing that may ever come out of it is a ConfigError with a one-line message.
 */
describe('target config loader under fuzzing', () => {
  let ws: TargetWorkspace;
  let counter = 0;
  let accepted = 0;

  const validConfig = () => ({
    issuer: 'https://as.example',
    ...twoClientConfigParts(),
    resource: { url: 'https://rs.example/r', expected_status: 200 },
    forwarded_headers: ['X-Cert'],
  });

  before(async () => {
    ws = await TargetWorkspace.create();
    await writeManifest(ws);
  });
  after(async () => {
    await ws?.dispose();
  });

  async function loadText(text: string, extension: string): Promise<void> {
    counter += 1;
    const file = await ws.write(`fuzz-${counter}${extension}`, text);
    try {
      await loadTargetConfig(file);
      accepted += 1;
    } catch (err) {
      if (!(err instanceof ConfigError)) {
        throw new Error(
          `non-ConfigError for ${JSON.stringify(text.slice(0, 300))}: ${String(err)}`,
          {
            cause: err,
          },
        );
      }
      expect(err.message).to.not.match(/[\r\n]/);
    }
  }

  const extension = fc.constantFrom('.yaml', '.json', '.conf');

  it('starts from a config that loads', async () => {
    const file = await ws.writeConfig('fuzz-base.yaml', validConfig());
    expect((await loadTargetConfig(file)).clients).to.have.length(2);
  });

  it('random text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), extension, loadText),
      { numRuns: 100, seed: 8705 },
    );
  });

  it('a valid config with random edits', async () => {
    const base = stringify(validConfig());
    const edit = fc.record({
      at: fc.nat({ max: base.length }),
      remove: fc.nat({ max: 12 }),
      insert: fc.oneof(
        fc.string({ maxLength: 6 }),
        fc.constantFrom(
          ':',
          '- ',
          '\n',
          '  ',
          '"',
          "'",
          '[',
          '{',
          '&a ',
          '*a',
          '!!binary ',
          '#',
          '\t',
        ),
      ),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(edit, { minLength: 1, maxLength: 4 }),
        extension,
        async (edits, ext) => {
          let text = base;
          for (const e of edits) {
            const at = Math.min(e.at, text.length);
            text = text.slice(0, at) + e.insert + text.slice(at + e.remove);
          }
          await loadText(text, ext);
        },
      ),
      { numRuns: 150, seed: 8705 },
    );
  });

  it('a valid config with a random value at a random place', async () => {
    const paths = collectPaths(validConfig());
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...paths),
        fc.jsonValue({ maxDepth: 2 }),
        async (path, value) => {
          const config = validConfig();
          setAt(config, path, value);
          await loadText(JSON.stringify(config), '.json');
          await loadText(stringify(config), '.yaml');
        },
      ),
      { numRuns: 120, seed: 8705 },
    );
    // Harmless values (an equal string, a duplicate header) must still load: the fuzzing reached
    // past the first check rather than failing everything early.
    expect(accepted).to.be.greaterThan(0);
  });

  it('YAML that JSON cannot represent', async () => {
    for (const text of [
      'a: &a [*a]\n',
      'clients: *missing\n',
      'x: !!binary aGVsbG8=\nclients: []\n',
      'issuer: .nan\nclients: []\n',
      '--- a\n--- b\n',
    ]) {
      await loadText(text, '.yaml');
    }
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
    for (const [key, item] of Object.entries(value))
      paths.push(...collectPaths(item, [...prefix, key]));
  }
  return paths.filter((p) => p.length > 0);
}

function setAt(root: unknown, path: Segment[], value: unknown): void {
  let node = root as Record<string | number, unknown>;
  for (const segment of path.slice(0, -1)) node = node[segment] as Record<string | number, unknown>;
  const last = path.at(-1);
  if (last !== undefined) node[last] = value;
}

import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { expect } from 'chai';
import { parse } from 'yaml';
import { ConfigError } from '../../lib/errors.js';
import {
  checkConfigShape,
  loadTargetSchema,
  TARGET_SCHEMA_OPTIONS,
} from '../../lib/target/config-schema.js';

const EXAMPLE = fileURLToPath(
  new URL('../../../fixtures/targets/example-staging.yaml', import.meta.url),
);

describe('schema/target.schema.json', () => {
  it('is a valid draft 2020-12 schema that ajv compiles in strict mode', () => {
    const ajv = new Ajv2020({
      ...TARGET_SCHEMA_OPTIONS,
      validateSchema: true,
      meta: true,
      strict: true,
    });
    const schema = loadTargetSchema();
    expect(ajv.validateSchema(schema), JSON.stringify(ajv.errors)).to.equal(true);
    expect(() => ajv.compile(schema)).to.not.throw();
  });

  it('describes every property and closes every object', () => {
    const problems: string[] = [];
    walk(loadTargetSchema(), '#', problems);
    expect(problems).to.deep.equal([]);
  });

  it('accepts the commented staging example', async () => {
    const data = parse(await readFile(EXAMPLE, 'utf8'));
    expect(() => checkConfigShape('example-staging.yaml', data)).to.not.throw();
  });

  it('reports the most specific problem first', () => {
    const message = (data: unknown) => {
      try {
        checkConfigShape('t.yaml', data);
        return 'valid';
      } catch (err) {
        expect(err).to.be.instanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    // A misspelt key explains the "missing" one next to it: the unknown key wins.
    expect(message({ clients: [{ name: 'a', clientid: 'a', auth: 'none' }] })).to.match(
      /^t\.yaml: clients\[0\]: unknown key "clientid" \(allowed: name, client_id, /,
    );
    // Deeper beats shallower.
    expect(
      message({
        foo: 1,
        clients: [{ name: 'a', client_id: 'a', auth: 'none', identity: { cert: 'c' } }],
      }),
    ).to.equal('t.yaml: clients[0].identity: missing required key "key"');
    expect(message({ clients: [] })).to.equal('t.yaml: clients: must have at least 1 item');
    expect(message({ clients: [{ name: 'a b', client_id: 'a', auth: 'none' }] })).to.equal(
      't.yaml: clients[0].name: must match ^[A-Za-z0-9._-]+$, got "a b"',
    );
    expect(message([])).to.equal('t.yaml: expected object, got array');
    expect(message({ clients: [{ name: 'a', client_id: '', auth: 'none' }] })).to.equal(
      't.yaml: clients[0].client_id: must not be empty',
    );
    expect(
      message({
        clients: [{ name: 'a', client_id: 'a', auth: 'none' }],
        resource: { url: 'u', expected_status: 404 },
      }),
    ).to.equal('t.yaml: resource.expected_status: must be <= 299, got 404');
  });
});

/** Every object schema has additionalProperties: false; every property has a description. */
function walk(schema: unknown, at: string, problems: string[]): void {
  if (typeof schema !== 'object' || schema === null) return;
  const node = schema as Record<string, unknown>;
  if (node.properties) {
    if (node.additionalProperties !== false)
      problems.push(`${at}: additionalProperties is not false`);
    for (const [key, sub] of Object.entries(node.properties as Record<string, unknown>)) {
      if (typeof (sub as { description?: unknown }).description !== 'string') {
        problems.push(`${at}.properties.${key}: no description`);
      }
    }
  }
  for (const [key, sub] of Object.entries(node)) {
    if (typeof sub === 'object') walk(sub, `${at}/${key}`, problems);
  }
}

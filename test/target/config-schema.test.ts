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
  validatorFor,
} from '../../lib/target/config-schema.js';
import { validate as precompiled } from '../../lib/target/config-validator.generated.js';
import { HTTPS_URL_PATTERN } from '../../lib/target/http-url.js';
import { readTargetSchemaText } from '../../lib/target/target-schema.js';
import {
  configValidatorModule,
  GENERATED_VALIDATOR_FILE,
} from '../../scripts/generate-validator.js';

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
        resource: { url: 'https://rs.example/', expected_status: 404 },
      }),
    ).to.equal('t.yaml: resource.expected_status: must be <= 299, got 404');
    // The https pattern reads as what it means, not as a regular expression.
    expect(
      message({
        clients: [{ name: 'a', client_id: 'a', auth: 'none' }],
        resource: { url: 'http://rs.example/' },
      }),
    ).to.equal(
      't.yaml: resource.url: must be an absolute https URL (credentials and client certificates never go over plain HTTP), got "http://rs.example/"',
    );
  });

  it('requires https for every URL the harness requests, with the pattern the message knows', () => {
    const schema = loadTargetSchema() as {
      properties: Record<string, { $ref?: string; properties?: Record<string, { $ref?: string }> }>;
      $defs: Record<string, { pattern?: string }>;
    };
    expect(schema.$defs.httpsUrl?.pattern).to.equal(HTTPS_URL_PATTERN);
    const refs = [
      schema.properties.issuer?.$ref,
      schema.properties.resource?.properties?.url?.$ref,
      ...Object.values(schema.properties.endpoints?.properties ?? {}).map((p) => p.$ref),
    ];
    // issuer, resource.url and the eight endpoints (token … jwks, userinfo, par).
    expect(refs).to.have.length(10);
    for (const ref of refs) expect(ref).to.equal('#/$defs/httpsUrl');
  });
});

describe('the precompiled target schema validator', () => {
  it('is what generate-validator makes from the current schema and ajv', async () => {
    const committed = await readFile(GENERATED_VALIDATOR_FILE, 'utf8');
    expect(
      committed === configValidatorModule(),
      'lib/target/config-validator.generated.ts is stale: run `npx tsc -p tsconfig.json && node dist/scripts/generate-validator.js`',
    ).to.equal(true);
  });

  it('is the one used for the shipped schema, with the errors a run-time compile gives', () => {
    expect(validatorFor(readTargetSchemaText())).to.equal(precompiled);
    const compiled = new Ajv2020(TARGET_SCHEMA_OPTIONS).compile(loadTargetSchema());
    const client = { name: 'a', client_id: 'a', auth: 'none' };
    const samples: unknown[] = [
      null,
      [],
      'text',
      {},
      { clients: [] },
      { clients: [client] },
      { clients: [{ ...client, clientid: 'a' }], extra: 1 },
      { clients: [{ ...client, name: 'a b', client_id: '', auth: 'basic' }] },
      { clients: [{ ...client, identity: { cert: 'c' } }] },
      { clients: [{ ...client, identity: '' }] },
      { clients: [{ ...client, identity: 7 }] },
      { clients: [client], resource: { url: 'u', expected_status: 404, method: 'GET' } },
      { clients: [client], resource: { expected_status: 200.5 } },
      { clients: [client], forwarded_headers: ['X-Cert', 'bad header', 3] },
      { clients: [client], test_ca: { cert: 'c', key: '' }, endpoints: { token: 1, other: 'x' } },
      { clients: [client], token_request: { scope: '', audience: 'a' }, registration: {} },
      { clients: [client], discovery: 'yes', issuer: '', server_ca: [], certs_manifest: '' },
    ];
    for (const data of samples) {
      const expected = compiled(data);
      const expectedErrors = compiled.errors;
      expect(precompiled(data), JSON.stringify(data)).to.equal(expected);
      expect((precompiled as typeof compiled).errors, JSON.stringify(data)).to.deep.equal(
        expectedErrors,
      );
    }
  });

  it('is not used for a schema it was not made from', () => {
    const schema = loadTargetSchema();
    schema.required = ['clients', 'issuer'];
    const validate = validatorFor(JSON.stringify(schema));
    expect(validate).to.not.equal(precompiled);
    expect(validate({ clients: [{ name: 'a', client_id: 'a', auth: 'none' }] })).to.equal(false);
    expect(validate.errors?.[0]?.params).to.deep.equal({ missingProperty: 'issuer' });
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

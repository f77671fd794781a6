import { createRequire } from 'node:module';
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { pointerToPath } from './config-path.js';
import { configProblem } from './config-problem.js';
import { validate as precompiled, SCHEMA_DIGEST } from './config-validator.generated.js';
import { HTTPS_URL_PATTERN, httpsUrlProblem } from './http-url.js';
import { readTargetSchemaText, schemaDigest, TARGET_SCHEMA_OPTIONS } from './target-schema.js';

export { loadTargetSchema, TARGET_SCHEMA_OPTIONS } from './target-schema.js';

/**
 * Validates parsed config data against schema/target.schema.json (shipped in the package so
 * editors complete it) and turns the first, most specific schema error into one ConfigError line.
 */
export function checkConfigShape(file: string, data: unknown): void {
  const validate = targetSchemaValidator();
  if (validate(data)) return;
  const error = mostSpecificError(validate.errors ?? []);
  if (!error) throw configProblem(file, undefined, 'does not match the target config schema');
  throw configProblem(file, pointerToPath(error.instancePath), describeSchemaError(error));
}

let compiled: ValidateFunction | undefined;

/** Chosen on first use, not at import: most commands never load a target config. */
function targetSchemaValidator(): ValidateFunction {
  compiled ??= validatorFor(readTargetSchemaText());
  return compiled;
}

/**
 * The validator compiled ahead of time (config-validator.generated.ts) when it was made from this
 * schema text: compiling the schema costs more than everything else in loading a config.
 * Otherwise (a schema edited without regenerating, which the test suite flags) the schema is
 * compiled here, with ajv loaded only then. The schema is checked against the 2020-12
 * meta-schema by the test suite, not on every run.
 */
export function validatorFor(schemaText: string): ValidateFunction {
  if (schemaDigest(schemaText) === SCHEMA_DIGEST) return precompiled as unknown as ValidateFunction;
  // Synchronous, like the check itself; ajv is CommonJS.
  const { Ajv2020 } = createRequire(import.meta.url)(
    'ajv/dist/2020.js',
  ) as typeof import('ajv/dist/2020.js');
  return new Ajv2020(TARGET_SCHEMA_OPTIONS).compile(JSON.parse(schemaText));
}

// Lower rank first at equal depth: an unknown key usually explains a "missing" one next to it.
const KEYWORD_RANK: Record<string, number> = {
  additionalProperties: 0,
  type: 1,
  enum: 2,
  required: 3,
};

function mostSpecificError(errors: readonly ErrorObject[]): ErrorObject | undefined {
  const depth = (e: ErrorObject) => (e.instancePath.match(/\//g) ?? []).length;
  const rank = (e: ErrorObject) => KEYWORD_RANK[e.keyword] ?? 4;
  return errors
    .map((error, index) => ({ error, index }))
    .sort(
      (a, b) =>
        depth(b.error) - depth(a.error) || rank(a.error) - rank(b.error) || a.index - b.index,
    )[0]?.error;
}

function describeSchemaError(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const allowed = Object.keys(
        (error.parentSchema?.properties as Record<string, unknown> | undefined) ?? {},
      ).filter((key) => key !== '$schema');
      return `unknown key ${JSON.stringify(params.additionalProperty)} (allowed: ${allowed.join(', ')})`;
    }
    case 'type': {
      const expected = Array.isArray(params.type) ? params.type : [params.type];
      return `expected ${expected.join(' or ')}, got ${jsonTypeOf(error.data)}`;
    }
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')}`;
    case 'required':
      return `missing required key ${JSON.stringify(params.missingProperty)}`;
    case 'minItems':
      return `must have at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`;
    case 'minLength':
      return 'must not be empty';
    case 'pattern':
      return params.pattern === HTTPS_URL_PATTERN
        ? (httpsUrlProblem(String(error.data)) ?? 'must be an absolute https URL')
        : `must match ${String(params.pattern)}, got ${JSON.stringify(error.data)}`;
    case 'minimum':
    case 'maximum':
      return `must be ${String(params.comparison)} ${String(params.limit)}, got ${JSON.stringify(error.data)}`;
    default:
      return error.message ?? `fails the schema's ${error.keyword} rule`;
  }
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

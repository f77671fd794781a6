import { readFileSync } from 'node:fs';
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import { packageFile } from '../package-files.js';

export const summarySchemaPath: string = packageFile('schema/summary.schema.json');

// Compiled on first use only: ajv compilation costs tens of milliseconds, and most runs never
// validate their own summary.
let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  if (compiled === undefined) {
    const ajv = new Ajv2020({
      strict: true,
      // Conditional `required` (reason when status is not passed) names properties declared
      // beside the `if`, which this check cannot see.
      strictRequired: false,
      allErrors: true,
      // The schema pairs `format: date-time` (for other consumers) with a pattern that does
      // the checking here, so ajv-formats is not needed.
      formats: { 'date-time': true },
    });
    compiled = ajv.compile(JSON.parse(readFileSync(summarySchemaPath, 'utf8')));
  }
  return compiled;
}

/** Validates a parsed summary.json; returns one line per problem (`/path: message`), [] if valid. */
export function validateSummary(value: unknown): string[] {
  const validate = validator();
  if (validate(value)) return [];
  return (validate.errors ?? []).map(describeError);
}

function describeError(e: ErrorObject): string {
  const where = e.instancePath === '' ? '(root)' : e.instancePath;
  const extra =
    e.keyword === 'additionalProperties'
      ? ` (${String((e.params as { additionalProperty?: unknown }).additionalProperty)})`
      : '';
  return `${where}: ${e.message ?? e.keyword}${extra}`;
}

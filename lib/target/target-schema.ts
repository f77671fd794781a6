/**
 * schema/target.schema.json (shipped in the package so editors complete it) and the ajv options
 * it is compiled with, shared by the runtime check and the ahead-of-time compilation.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { packageFile } from '../package-files.js';

export const TARGET_SCHEMA_OPTIONS = {
  allErrors: true,
  verbose: true,
  allowUnionTypes: true,
  validateSchema: false,
  meta: false,
  code: { optimize: false },
} as const;

export function loadTargetSchema(): Record<string, unknown> {
  return JSON.parse(readTargetSchemaText()) as Record<string, unknown>;
}

export function readTargetSchemaText(): string {
  return readFileSync(packageFile('schema/target.schema.json'), 'utf8');
}

/** Identifies the schema text and the options a validator is compiled with. */
export function schemaDigest(schemaText: string): string {
  return createHash('sha256')
    .update(JSON.stringify(TARGET_SCHEMA_OPTIONS))
    .update('\n')
    .update(schemaText)
    .digest('hex');
}

import { extname } from 'node:path';
import type { ConfigError } from '../errors.js';
import { readInputText, TARGET_CONFIG_LIMIT } from '../input-file.js';
import { configProblem } from './config-problem.js';

/**
 * Reads a target config file and parses it as plain JSON data: `.json` as JSON, `.yaml`/`.yml`
 * as YAML, anything else as JSON and then as YAML. Every problem is a one-line ConfigError.
 */
export async function readConfigDocument(file: string): Promise<unknown> {
  const text = await readConfigText(file);
  const ext = extname(file).toLowerCase();
  if (ext === '.json') return parseJson(file, text);
  if (ext === '.yaml' || ext === '.yml') return parseYaml(file, text);
  try {
    return parseJson(file, text);
  } catch {
    return parseYaml(file, text);
  }
}

async function readConfigText(file: string): Promise<string> {
  return readInputText(file, {
    limit: TARGET_CONFIG_LIMIT,
    problem: (problem, options) => configProblem(file, undefined, problem, options),
  });
}

function parseJson(file: string, text: string): unknown {
  try {
    return JSON.parse(stripByteOrderMark(text));
  } catch (err) {
    throw configProblem(file, undefined, jsonProblem(text, err), { cause: err });
  }
}

function jsonProblem(text: string, err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const position = /at position (\d+)/.exec(message);
  if (!position?.[1]) return `invalid JSON: ${message}`;
  const { line, col } = lineAndColumn(text, Number(position[1]));
  const cleaned = message.replace(/\s*in JSON at position \d+.*$/s, '');
  return `line ${line}, column ${col}: invalid JSON: ${cleaned}`;
}

function lineAndColumn(text: string, offset: number): { line: number; col: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, col: offset - lastNewline };
}

async function parseYaml(file: string, text: string): Promise<unknown> {
  // Loaded only for YAML: a JSON config (what the tools write) does not pay for the parser.
  const { LineCounter, parseDocument } = await import('yaml');
  const lineCounter = new LineCounter();
  const doc = parseDocument(stripByteOrderMark(text), {
    lineCounter,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const first = doc.errors[0];
  if (first) {
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw configProblem(file, undefined, `line ${line}, column ${col}: ${first.message}`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw yamlValueProblem(file, err);
  }
  return toPlainJson(file, value);
}

function yamlValueProblem(file: string, err: unknown): ConfigError {
  const message = err instanceof Error ? err.message : String(err);
  return configProblem(file, undefined, `invalid YAML: ${message}`, { cause: err });
}

/**
 * YAML can express more than JSON (binary, circular aliases, NaN): the config model is JSON data,
 * so anything that does not survive a JSON round trip is refused here rather than later.
 */
function toPlainJson(file: string, value: unknown): unknown {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (err) {
    // Circular structures come from self-referencing aliases (`a: &a [*a]`).
    const circular = err instanceof TypeError && /circular/i.test(err.message);
    throw circular
      ? configProblem(file, undefined, 'invalid YAML: an alias refers to itself', { cause: err })
      : yamlValueProblem(file, err);
  }
  return json === undefined ? undefined : JSON.parse(json);
}

function stripByteOrderMark(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

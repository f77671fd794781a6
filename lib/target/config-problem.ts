import { ConfigError } from '../errors.js';

/**
 * A ConfigError whose message is guaranteed to be one line: problems quote user input (keys,
 * paths, YAML parser text) that may hold newlines or be very long.
 */
export function configProblem(
  file: string,
  path: string | undefined,
  problem: string,
  options?: { cause?: unknown },
): ConfigError {
  return new ConfigError(oneLine(problem), { file, path }, options);
}

const MAX_PROBLEM_CHARS = 400;

export function oneLine(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we strip.
  const flat = text.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > MAX_PROBLEM_CHARS ? `${flat.slice(0, MAX_PROBLEM_CHARS)}…` : flat;
}

/**
 * Options a command does not know, named as the user typed them (`--targt`, `-x`), with the
 * nearest known one as a hint. yargs' strict mode would report a missing required option first
 * ("Missing required argument: target" for a mistyped `--targt`), which points the user away
 * from the typo, so this check runs before yargs validates.
 */
import { UsageError } from '../errors.js';

interface KnownOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  /** The options that may be given more than once (`type: 'array'`). */
  array?: string[];
}

/**
 * An option given more than once that takes one value (`--grep a --grep b`): yargs would hand
 * the command a list where it expects one value.
 */
export function repeatedOptionsError(
  argv: Record<string, unknown>,
  known: KnownOptions,
): UsageError | undefined {
  const repeatable = new Set(known.array ?? []);
  for (const key of Object.keys(known.key)) {
    const value = argv[key];
    if (!Array.isArray(value) || repeatable.has(key)) continue;
    const flag = key.length === 1 ? `-${key}` : `--${key}`;
    return new UsageError(`${flag} was given ${value.length} times: give it once (see --help)`);
  }
  return undefined;
}

export function unknownOptionsError(
  argv: Record<string, unknown>,
  known: KnownOptions,
): UsageError | undefined {
  const names = new Set<string>(['_', '$0']);
  for (const key of Object.keys(known.key)) {
    names.add(key);
    names.add(camelCase(key));
    for (const alias of known.alias[key] ?? []) {
      names.add(alias);
      names.add(camelCase(alias));
    }
  }
  const unknown = Object.keys(argv).filter((key) => !names.has(key));
  if (unknown.length === 0) return undefined;
  const flag = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);
  const longOptions = Object.keys(known.key).filter((k) => k.length > 1);
  const described = unknown.map((name) => {
    const near = nearest(name, longOptions);
    return `${flag(name)}${near === undefined ? '' : ` (did you mean --${near}?)`}`;
  });
  return new UsageError(
    `unknown option${unknown.length > 1 ? 's' : ''} ${described.join(', ')} (see --help)`,
  );
}

function camelCase(name: string): string {
  return name.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

/** The known option within two edits of `name`, if exactly one is nearest. */
function nearest(name: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const option of options) {
    const d = editDistance(name, option);
    if (d < bestDistance) {
      best = option;
      bestDistance = d;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(
        above + 1,
        (row[j - 1] ?? 0) + 1,
        diagonal + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

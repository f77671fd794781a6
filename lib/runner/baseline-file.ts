import { ConfigError } from '../errors.js';
import { DOCUMENT_LIMIT, readInputText } from '../input-file.js';
import { CATALOG } from '../scenarios/catalog/index.js';

/**
 * A baseline file (--expected-failures, --expected-skips): one scenario per line, `ID reason…`;
 * blank lines and `#` comments ignored. Listed failures are reported as expected and do not
 * fail the run; listed skips do not count against --require-coverage. An entry that no longer
 * holds is called out so the baseline shrinks (and fails the run with --strict-baseline). An
 * unknown ID is a mistake in the file, not a stale entry: the run does not start.
 */
export async function loadBaselineFile(file: string): Promise<Map<string, string>> {
  const text = await readInputText(file, { limit: { ...DOCUMENT_LIMIT, what: 'a baseline list' } });
  const known = new Set(CATALOG.map((s) => s.id));
  const out = new Map<string, string>();
  text.split(/\r?\n/).forEach((line, index) => {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const [rawId = '', ...rest] = trimmed.split(/\s+/);
    const id = rawId.toUpperCase();
    const where = { file, path: `line ${index + 1}` };
    if (!known.has(id)) {
      throw new ConfigError(
        `unknown scenario ID "${rawId}" (see \`mtls-conformance list\`)`,
        where,
      );
    }
    const reason = rest.join(' ').trim();
    if (reason === '') {
      throw new ConfigError(
        `${id}: give a reason after the ID (e.g. "${id} vendor ticket 123")`,
        where,
      );
    }
    if (out.has(id)) throw new ConfigError(`${id} is listed twice`, where);
    out.set(id, reason);
  });
  return out;
}

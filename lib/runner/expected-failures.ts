import { ConfigError } from '../errors.js';
import { DOCUMENT_LIMIT, readInputText } from '../input-file.js';
import { CATALOG } from '../scenarios/catalog/index.js';

/**
 * The --expected-failures file: one scenario per line, `ID reason…`; blank lines and `#`
 * comments ignored. A CI baseline: those failures are reported as expected and do not fail the
 * run, and one that passes again is called out so the baseline shrinks.
 */
export async function loadExpectedFailures(file: string): Promise<Map<string, string>> {
  const text = await readInputText(file, {
    limit: { ...DOCUMENT_LIMIT, what: 'an --expected-failures list' },
  });
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

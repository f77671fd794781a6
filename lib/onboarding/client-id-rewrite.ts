/**
 * Points a target's clients at other client_ids, in place: after `register` the target names
 * the clients the server created, after `register --cleanup` the original ones again. Only the
 * client_id values change: the file is parsed for their positions (YAML's parser reads JSON
 * too) and each value is replaced where it stands, so comments, indentation, key order and
 * quoting elsewhere stay byte for byte as the user wrote them (a commented-out block still
 * parses once uncommented).
 */
import { randomUUID } from 'node:crypto';
import { rename, stat, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument, type Scalar } from 'yaml';
import { ConfigError } from '../errors.js';
import { readInputText, TARGET_CONFIG_LIMIT } from '../input-file.js';

/** `ids` maps a client's name to its new client_id; clients not named are left alone. */
export async function rewriteClientIds(
  targetFile: string,
  ids: ReadonlyMap<string, string>,
): Promise<void> {
  if (ids.size === 0) return;
  const text = await readInputText(targetFile, { limit: TARGET_CONFIG_LIMIT });
  const rewritten = replaceClientIds(targetFile, text, ids, {
    json: extname(targetFile).toLowerCase() === '.json',
  });
  const { mode } = await stat(targetFile);
  const temporary = `${targetFile}.${randomUUID()}.tmp`;
  await writeFile(temporary, rewritten, { mode: mode & 0o777, flag: 'wx' });
  await rename(temporary, targetFile);
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

export function replaceClientIds(
  file: string,
  text: string,
  ids: ReadonlyMap<string, string>,
  opts: { json: boolean },
): string {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    throw new ConfigError(`cannot be parsed to update client_ids: ${doc.errors[0]?.message}`, {
      file,
    });
  }
  const clients = doc.get('clients', true);
  const seen = new Set<string>();
  const edits: Edit[] = [];
  if (isSeq(clients)) {
    clients.items.forEach((item, index) => {
      if (!isMap(item)) return;
      const name = item.get('name');
      const id = typeof name === 'string' ? ids.get(name) : undefined;
      if (id === undefined) return;
      const node = item.get('client_id', true);
      if (!isScalar(node) || node.range == null) {
        throw new ConfigError('is not a single value: write it as client_id: "…"', {
          file,
          path: `clients[${index}].client_id`,
        });
      }
      edits.push({ start: node.range[0], end: node.range[1], text: scalarText(node, id, opts) });
      seen.add(name as string);
    });
  }
  const missing = [...ids.keys()].filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new ConfigError(`clients ${missing.join(', ')} are no longer in the file`, { file });
  }
  // From the end, so the earlier positions stay valid.
  let out = text;
  for (const edit of edits.sort((a, b) => b.start - a.start)) {
    out = out.slice(0, edit.start) + edit.text + out.slice(edit.end);
  }
  return out;
}

/**
 * The new value in the old value's style where that is safe: plain stays plain, single quotes
 * stay single; anything else (and every value of a JSON file) is a double-quoted JSON string,
 * which YAML reads the same. A server-assigned id with odd characters is always quoted.
 */
function scalarText(node: Scalar, id: string, opts: { json: boolean }): string {
  // Starting with a letter, and no word YAML reads as a boolean or null: it stays a string.
  if (
    !opts.json &&
    /^[A-Za-z][A-Za-z0-9._~/@+=-]*$/.test(id) &&
    !/^(true|false|null|yes|no|on|off|y|n)$/i.test(id)
  ) {
    if (node.type === 'PLAIN') return id;
    if (node.type === 'QUOTE_SINGLE') return `'${id}'`;
  }
  return JSON.stringify(id);
}

/**
 * Points a target's clients at other client_ids, in place: after `register` the target names
 * the clients the server created, after `register --cleanup` the original ones again. YAML is
 * edited as a document, so comments and layout survive; JSON is rewritten as JSON.
 */
import { randomUUID } from 'node:crypto';
import { rename, stat, writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isMap, isScalar, isSeq, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { readInputText, TARGET_CONFIG_LIMIT } from '../input-file.js';

/** `ids` maps a client's name to its new client_id; clients not named are left alone. */
export async function rewriteClientIds(
  targetFile: string,
  ids: ReadonlyMap<string, string>,
): Promise<void> {
  if (ids.size === 0) return;
  const text = await readInputText(targetFile, { limit: TARGET_CONFIG_LIMIT });
  const rewritten =
    extname(targetFile).toLowerCase() === '.json'
      ? rewriteJson(targetFile, text, ids)
      : rewriteYaml(targetFile, text, ids);
  const { mode } = await stat(targetFile);
  const temporary = `${targetFile}.${randomUUID()}.tmp`;
  await writeFile(temporary, rewritten, { mode: mode & 0o777, flag: 'wx' });
  await rename(temporary, targetFile);
}

function rewriteJson(file: string, text: string, ids: ReadonlyMap<string, string>): string {
  const data = JSON.parse(text) as { clients?: Array<{ name?: unknown; client_id?: unknown }> };
  const seen = new Set<string>();
  for (const client of data.clients ?? []) {
    const id = typeof client.name === 'string' ? ids.get(client.name) : undefined;
    if (id === undefined) continue;
    client.client_id = id;
    seen.add(client.name as string);
  }
  checkAllFound(file, ids, seen);
  return `${JSON.stringify(data, null, 2)}\n`;
}

function rewriteYaml(file: string, text: string, ids: ReadonlyMap<string, string>): string {
  const doc = parseDocument(text);
  const clients = doc.get('clients', true);
  const seen = new Set<string>();
  if (isSeq(clients)) {
    for (const item of clients.items) {
      if (!isMap(item)) continue;
      const name = item.get('name');
      const id = typeof name === 'string' ? ids.get(name) : undefined;
      if (id === undefined) continue;
      const node = item.get('client_id', true);
      // Keeping the scalar node keeps its quoting style and its comment.
      if (isScalar(node)) node.value = id;
      else item.set('client_id', id);
      seen.add(name as string);
    }
  }
  checkAllFound(file, ids, seen);
  return doc.toString({ lineWidth: 0 });
}

function checkAllFound(file: string, ids: ReadonlyMap<string, string>, seen: Set<string>): void {
  const missing = [...ids.keys()].filter((name) => !seen.has(name));
  if (missing.length > 0) {
    throw new ConfigError(`clients ${missing.join(', ')} are no longer in the file`, { file });
  }
}

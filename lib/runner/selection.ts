import { UsageError } from '../errors.js';
import type { Section } from '../report/run-result.js';
import { CATALOG, SECTIONS } from '../scenarios/catalog/index.js';
import type { Scenario } from '../scenarios/scenario.js';

export interface Selection {
  /** Sections or scenario IDs to keep (`--only PKI,BIND-03`). */
  only?: readonly string[];
  /** Scenario IDs or sections to leave out (`--skip PKI-12`). */
  skip?: readonly string[];
  /** Case-insensitive substring of the test title `[ID] title (clause, LEVEL)`. */
  grep?: string;
}

const knownIds = new Set(CATALOG.map((s) => s.id));

function normalise(list: readonly string[] | undefined, flag: string): Set<string> {
  const out = new Set<string>();
  for (const raw of list ?? []) {
    for (const part of raw.split(',')) {
      const item = part.trim().toUpperCase();
      if (item === '') continue;
      if (!SECTIONS.includes(item as Section) && !knownIds.has(item)) {
        throw new UsageError(
          `${flag}: unknown section or scenario "${part.trim()}" (sections: ${SECTIONS.join(', ')}; see \`mtls-conformance list\`)`,
        );
      }
      out.add(item);
    }
  }
  // `--only ""` (an empty variable in a CI script) would otherwise mean the whole catalog.
  if (list !== undefined && list.length > 0 && out.size === 0) {
    throw new UsageError(
      `${flag}: names no section or scenario: give IDs or sections (e.g. ${flag} PKI,BIND-03), or leave ${flag} out`,
    );
  }
  return out;
}

function matches(set: Set<string>, s: Scenario): boolean {
  return set.has(s.id) || set.has(s.section);
}

export function selectScenarios(
  selection: Selection,
  catalog: readonly Scenario[] = CATALOG,
): Scenario[] {
  const only = normalise(selection.only, '--only');
  const skip = normalise(selection.skip, '--skip');
  const grep = selection.grep?.toLowerCase();
  const selected = catalog.filter(
    (s) =>
      (only.size === 0 || matches(only, s)) &&
      !matches(skip, s) &&
      (grep === undefined ||
        `[${s.id}] ${s.title} (${s.spec}, ${s.level})`.toLowerCase().includes(grep)),
  );
  if (selected.length === 0) {
    // A run of nothing would exit 0 and look like a pass.
    const given = [
      selection.only?.length ? `--only ${selection.only.join(',')}` : undefined,
      selection.skip?.length ? `--skip ${selection.skip.join(',')}` : undefined,
      selection.grep !== undefined ? `--grep ${JSON.stringify(selection.grep)}` : undefined,
    ].filter((part) => part !== undefined);
    throw new UsageError(
      `${given.join(' ')}: the selection matches no scenario, so nothing would be tested (see \`mtls-conformance list\`)`,
    );
  }
  return selected;
}

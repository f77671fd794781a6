import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { describeResult } from './describe.js';
import {
  expectAllRefused,
  isRefusal,
  type Replay,
  type ReplayKind,
  replays,
} from './token-replay.js';

/** The scenario that judges each header-less control on its own. */
const CONTROL_SCENARIO: Record<'another-client' | 'no-certificate', string> = {
  'no-certificate': 'BIND-04',
  'another-client': 'BIND-03',
};

const CONTROL_WORDS: Record<'another-client' | 'no-certificate', string> = {
  'no-certificate': 'without any certificate',
  'another-client': "with another client's certificate",
};

/** The replay was not refused ("Refused" in CATALOG.md: a 4xx, or a TLS-layer refusal). */
function notRefused(replay: Replay): boolean {
  return !isRefusal(replay.result);
}

/**
 * BIND-06 with attribution (CATALOG.md): every header case must be refused, and a served one
 * is blamed on its header only where the same request without the header (BIND-04's with no
 * certificate, BIND-03's with the attacker's) was refused. When the controls were served too,
 * the failure says the resource takes the token without the right certificate at all, and
 * names no header: the fix is the binding check, not a proxy setting.
 */
export async function expectHeadersNotTrusted(ctx: ScenarioContext): Promise<void> {
  const made = await replays(ctx, 'forwarded-headers');
  const accepted = made.filter(notRefused);
  if (accepted.length === 0) {
    expectAllRefused(ctx, made);
    return;
  }
  const controlServed = new Map<ReplayKind, boolean>();
  for (const kind of new Set(accepted.flatMap((r) => (r.header ? [r.header.control] : [])))) {
    let controls: Replay[];
    try {
      controls = await replays(ctx, kind);
    } catch (err) {
      if (!(err instanceof ScenarioSkip)) throw err;
      continue;
    }
    controlServed.set(kind, controls.some(notRefused));
  }
  // A case whose control could not be made stays blamed on its header: nothing clears it.
  const cleared = (r: Replay) =>
    r.header !== undefined && controlServed.get(r.header.control) === true;
  const unattributed = accepted.filter(cleared);
  const trusted = accepted.filter((r) => !cleared(r));
  const observed = accepted.map((r) => `${r.label}: ${describeResult(r.result)}`).join('; ');
  const without = [...new Set(unattributed.flatMap((r) => (r.header ? [r.header.control] : [])))];
  const acceptsAnyway = without
    .map((kind) => `${CONTROL_WORDS[kind]}, see ${CONTROL_SCENARIO[kind]}`)
    .join(', and ');
  if (trusted.length === 0) {
    throw new ScenarioFailure(
      `the resource accepts the token ${acceptsAnyway}; no header is shown to matter`,
      { observed: `not refused: ${observed}` },
    );
  }
  const headers = [...new Set(trusted.map((r) => r.header?.name ?? r.label))];
  const besides =
    unattributed.length === 0
      ? ''
      : `; besides, it accepts the token ${acceptsAnyway}, so ${unattributed.length} more served request(s) show nothing about their header`;
  throw new ScenarioFailure(
    `the resource trusts a client certificate sent in ${headers.length === 1 ? 'the header' : 'the headers'} ${headers.join(', ')}: served with it, refused without it${besides}`,
    { observed: `not refused: ${observed}` },
  );
}

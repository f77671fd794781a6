import { checkDistinguishedName } from './client-rules.js';
import { type PathSegment, renderPath } from './config-path.js';
import type { RawScenarioClients } from './raw-config.js';
import type { DnScenarioClient, ScenarioClients } from './target.js';

/** The config's `scenario_clients`, each registered DN checked to parse (RFC 4514). */
export function scenarioClients(file: string, raw: RawScenarioClients): ScenarioClients {
  const dnClient = (at: PathSegment[], entry: { client_id: string; subject_dn: string }) => {
    checkDistinguishedName(file, renderPath([...at, 'subject_dn']), entry.subject_dn);
    return { clientId: entry.client_id, subjectDn: entry.subject_dn } satisfies DnScenarioClient;
  };
  const clients: ScenarioClients = {};
  if (raw.intermediate_subject) {
    clients.intermediateSubject = dnClient(
      ['scenario_clients', 'intermediate_subject'],
      raw.intermediate_subject,
    );
  }
  if (raw.dn_spellings) {
    clients.dnSpellings = raw.dn_spellings.map((entry, index) =>
      dnClient(['scenario_clients', 'dn_spellings', index], entry),
    );
  }
  if (raw.self_signed_two_keys) {
    clients.selfSignedTwoKeys = { clientId: raw.self_signed_two_keys.client_id };
  }
  return clients;
}

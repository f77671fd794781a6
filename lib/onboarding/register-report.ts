import { FIELD_CAP } from '../output/cap.js';
import { shown } from '../output/quote.js';
import { type CleanupOutcome, cleanupCommand, type RegisterOutcome } from './register-clients.js';

/**
 * What `register` prints: never a registration access token. The client_ids, URLs and notes
 * come from the authorization server, so each is shown escaped and capped.
 */
export function describeRegistration(
  outcome: RegisterOutcome,
  targetFile: string,
  command = 'mtls-conformance',
): string {
  const lines = [
    `Registered ${outcome.clients.length} client(s) at ${shown(outcome.registrationEndpoint, FIELD_CAP)}:`,
  ];
  for (const record of outcome.clients) {
    const managed =
      record.registration_client_uri === undefined
        ? ` (${record.not_managed ?? 'no RFC 7592 management'}: cannot be deleted by --cleanup)`
        : '';
    lines.push(
      `  ${record.name.padEnd(12)} ${shown(record.original_client_id)} -> ${shown(record.client_id)}${managed}`,
    );
  }
  for (const note of outcome.skipped) lines.push(`  skipped ${shown(note, FIELD_CAP)}`);
  lines.push(
    `${targetFile} now names the registered client_ids; ${outcome.stateFile} (mode 0600) keeps the originals and the registration access tokens.`,
    `Delete them again with: ${cleanupCommand(targetFile, command)}`,
  );
  return `${lines.join('\n')}\n`;
}

export function describeCleanup(outcome: CleanupOutcome): string {
  if (!outcome.hadState) return `Nothing to clean up: no ${outcome.stateFile}.\n`;
  const lines = [
    outcome.deleted.length > 0
      ? `Deleted ${outcome.deleted.length} registered client(s) (RFC 7592): ${outcome.deleted.map((id) => shown(id)).join(', ')}; the original client_ids are back in the target.`
      : 'The original client_ids are back in the target.',
    ...outcome.notes.map((note) => `  note: ${shown(note, FIELD_CAP)}`),
  ];
  return `${lines.join('\n')}\n`;
}

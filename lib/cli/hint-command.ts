import { COMMAND_NAMES } from './command-names.js';

const HINT = new RegExp(`\\bmtls-conformance (?=(?:${COMMAND_NAMES.join('|')})\\b)`, 'g');

/**
 * Messages from deep inside the harness name a command the generic way (`mtls-conformance
 * register --cleanup`); on the way out to the user they name it the way this user started the
 * tool (`node dist/bin/mtls-conformance.js register --cleanup`), so the hint can be pasted.
 */
export function withInvocation(text: string, command: string): string {
  return command === 'mtls-conformance' ? text : text.replace(HINT, () => `${command} `);
}

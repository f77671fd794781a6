/**
 * A message for stderr (an error, a clean-up problem): such messages quote what a target sent
 * (a Location it redirected to, a registration error), so they are escaped, capped and have
 * JWTs redacted like everything else that leaves the harness.
 */
import { redactJwts } from '../tls/redact.js';
import { capText } from './cap.js';
import { escapeControls } from './escape.js';

/** Long enough for a config error listing every allowed key. */
const MESSAGE_CAP = 4_000;

export function terminalLine(message: string): string {
  return capText(escapeControls(redactJwts(message)), MESSAGE_CAP);
}

import { NEEDS_A_BROWSER } from '../../login/find-browser.js';
import { BrowserUnavailable, LoginFailed } from '../../login/login-errors.js';
import type { LoginRequest } from '../../login/login-service.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { SetupProblem } from '../setup-problem.js';

/**
 * The authorization request in the browser, with the client's scripted login: the redirect the
 * server sent it to. No browser on the machine skips the scenario (not run); a login that went
 * wrong is a set-up problem (the steps or the environment do not fit the login pages), never a
 * verdict on the server. What the browser did is the scenario's evidence.
 */
export async function browserAuthorization(
  ctx: ScenarioContext,
  req: LoginRequest,
): Promise<string> {
  try {
    const outcome = await ctx.logins.authorize(req);
    ctx.record([`browser login for ${req.clientName}:`, ...outcome.log].join('\n'));
    return outcome.redirect;
  } catch (err) {
    if (err instanceof BrowserUnavailable) {
      // The skip reason is the same words wherever it happens; the detail (which paths were
      // looked at, or why the driver did not load) goes with it as a note.
      if (err.message !== NEEDS_A_BROWSER) ctx.note(err.message);
      throw new ScenarioSkip(NEEDS_A_BROWSER);
    }
    if (err instanceof LoginFailed) {
      throw new SetupProblem(`browser login for ${req.clientName}: ${err.message}`);
    }
    throw err;
  }
}

/**
 * Why a browser login did not deliver the authorization response. The scenario steps turn them
 * into verdict words: no browser is a skip (the scenario is not run), a login that went wrong a
 * set-up problem (the steps or the environment do not fit the server's login pages).
 */

/** No browser (or no driver for it) on this machine. */
export class BrowserUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BrowserUnavailable';
  }
}

/** The scripted login failed: which step, at which page, and where its screenshot is. */
export class LoginFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LoginFailed';
  }
}

/** The first line of a driver error (Playwright appends a multi-line call log). */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]?.trim() ?? text;
}

import { access, constants } from 'node:fs/promises';
import { BrowserUnavailable } from './login-errors.js';

/** Where Debian's chromium (and Chrome, where someone installed it) put their executables. */
export const BROWSER_PATHS = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
] as const;

export const NEEDS_A_BROWSER = 'needs a browser: apt-get install chromium';

/** The executable to drive: the configured one, else the first usual one that exists. */
export async function findBrowser(configured: string | undefined): Promise<string> {
  const candidates = configured === undefined ? BROWSER_PATHS : [configured];
  for (const path of candidates) {
    if (await isExecutable(path)) return path;
  }
  throw new BrowserUnavailable(
    configured === undefined
      ? `${NEEDS_A_BROWSER} (none of ${BROWSER_PATHS.join(', ')} exists)`
      : `${NEEDS_A_BROWSER} (login.browser ${configured} is not an executable file)`,
  );
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The headless Chromium behind browser logins, driven by playwright-core against Debian's
 * chromium package (no browser download). Loaded with a dynamic import by the first login of a
 * run, so that a run without one never loads the driver. One browser per run; one context
 * (cookie jar, sockets, TLS sessions) per client, kept for the run so that a client's later
 * authorization requests find its login session as a person's browser would.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { QUIET_CHROMIUM_FLAGS } from './chromium-flags.js';
import type {
  BrowserAuthorization,
  BrowserAuthorizeRequest,
  LaunchOptions,
  LoginBrowser,
} from './login-browser.js';
import { firstLine, LoginFailed } from './login-errors.js';
import { type NetworkFence, startNetworkFence } from './network-fence.js';
import { runAuthorization } from './run-steps.js';

const FLAGS = [
  ...QUIET_CHROMIUM_FLAGS,
  '--disable-extensions',
  '--disable-default-apps',
  '--password-store=basic',
  // One renderer for every frame of the page: the request guard (lib/login/run-steps.ts) then
  // sees a cross-origin iframe's requests too.
  '--disable-site-isolation-trials',
  '--disable-features=IsolateOrigins,site-per-process',
];

export async function launchLoginBrowser(opts: LaunchOptions): Promise<LoginBrowser> {
  const fence = await startNetworkFence(opts.allowedOrigins).catch((err: unknown) => {
    throw new LoginFailed(`the login browser's network fence did not start: ${firstLine(err)}`);
  });
  // Chromium looks for client certificates in $HOME/.pki/nssdb: a fresh, empty HOME means the
  // browser has none to present. Playwright gives it a fresh --user-data-dir of its own.
  const home = await mkdtemp(join(tmpdir(), 'mtls-conformance-browser-')).catch(
    async (err: unknown) => {
      await fence.close();
      throw err;
    },
  );
  try {
    const pins =
      opts.spkiPins.length > 0
        ? [`--ignore-certificate-errors-spki-list=${opts.spkiPins.join(',')}`]
        : [];
    const browser = await chromium.launch({
      executablePath: opts.executablePath,
      headless: true,
      timeout: opts.timeoutMs,
      args: [...FLAGS, ...fence.args, ...pins],
      // Only what the launcher script needs: none of the harness's environment (the login's
      // secrets are there) reaches the browser.
      env: { HOME: home, PATH: process.env.PATH ?? '/usr/bin:/bin' },
      handleSIGINT: false,
      handleSIGTERM: false,
      handleSIGHUP: false,
    });
    return new ChromiumLogins(browser, home, fence);
  } catch (err) {
    await fence.close();
    await rm(home, { recursive: true, force: true });
    throw new LoginFailed(`Chromium at ${opts.executablePath} did not start: ${firstLine(err)}`);
  }
}

class ChromiumLogins implements LoginBrowser {
  readonly #browser: Browser;
  readonly #home: string;
  readonly #fence: NetworkFence;
  readonly #contexts = new Map<string, Promise<BrowserContext>>();

  constructor(browser: Browser, home: string, fence: NetworkFence) {
    this.#browser = browser;
    this.#home = home;
    this.#fence = fence;
  }

  async authorize(req: BrowserAuthorizeRequest): Promise<BrowserAuthorization> {
    const fresh = !this.#contexts.has(req.session);
    let context = this.#contexts.get(req.session);
    if (context === undefined) {
      context = this.#browser.newContext({
        serviceWorkers: 'block',
        acceptDownloads: false,
        locale: 'en-US',
        viewport: { width: 1000, height: 800 },
      });
      this.#contexts.set(req.session, context);
    }
    return runAuthorization(await context, req, { freshSession: fresh });
  }

  async close(): Promise<void> {
    await this.#browser.close().catch(() => undefined);
    await this.#fence.close();
    await rm(this.#home, { recursive: true, force: true });
  }
}

/**
 * The run's browser logins: one lazily started Chromium for the whole run (the driver module is
 * imported by the first login, so a run without one never loads it), one session per client,
 * and the rules around it: the browser only reaches the authorization endpoint's origin and the
 * origins the login names, over https, trusting the target's server certificates as the
 * harness does, with no client certificate; a client's logins run one at a time.
 */
import { SecretRegistry } from '../output/secret-registry.js';
import type { ReportAttachments } from '../report/report-attachments.js';
import { type LoginPlan, loginSecrets, unsetVariablesProblem } from '../target/login-plan.js';
import type { Target } from '../target/target.js';
import { findBrowser } from './find-browser.js';
import type { BrowserAuthorization, LoginBrowser } from './login-browser.js';
import { BrowserUnavailable, firstLine, LoginFailed } from './login-errors.js';
import { serverKeyPins } from './server-key-pins.js';

export interface LoginRequest {
  /** The client whose session it is (its name: the session and screenshot names use it). */
  clientName: string;
  plan: LoginPlan;
  authorizationUrl: string;
  redirectUri: string;
}

export interface LoginServiceOptions {
  target: Target;
  /** Where a failed step's screenshot goes; without it none is kept. */
  attachments?: ReportAttachments;
  /**
   * Whether a text holds one of the run's secrets (the run's redactor): a page that shows one
   * is not kept as a screenshot. Default: the values the logins type.
   */
  revealsSecret?: (text: string) => boolean;
}

export class LoginService {
  readonly #target: Target;
  readonly #attachments: ReportAttachments | undefined;
  readonly #revealsSecret: (text: string) => boolean;
  #browser: Promise<LoginBrowser> | undefined;
  /** Problems found while trusting the server certificates, told with a failed login. */
  #trustProblems: string[] = [];
  #screenshots = 0;
  readonly #queues = new Map<string, Promise<unknown>>();
  /**
   * A client's failed login, told again to its later requests instead of tried again: each try
   * would wait out a step's time on the same pages, and the run's time stays bounded.
   */
  readonly #failed = new Map<string, LoginFailed>();
  #closed = false;

  constructor(opts: LoginServiceOptions) {
    this.#target = opts.target;
    this.#attachments = opts.attachments;
    this.#revealsSecret = opts.revealsSecret ?? (() => false);
  }

  /**
   * The authorization response the server redirected the browser to. Throws BrowserUnavailable
   * (no Chromium, no driver) or LoginFailed (the environment, the steps, or the pages).
   */
  authorize(req: LoginRequest): Promise<BrowserAuthorization> {
    const previous = this.#queues.get(req.clientName) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#once(req));
    this.#queues.set(req.clientName, next);
    return next;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const browser = this.#browser;
    this.#browser = undefined;
    if (browser !== undefined) await (await browser.catch(() => undefined))?.close();
  }

  async #once(req: LoginRequest): Promise<BrowserAuthorization> {
    const failed = this.#failed.get(req.clientName);
    if (failed !== undefined) {
      throw new LoginFailed(`not tried again, it failed earlier in this run: ${failed.message}`);
    }
    try {
      return await this.#authorize(req);
    } catch (err) {
      if (err instanceof LoginFailed) this.#failed.set(req.clientName, err);
      throw err;
    }
  }

  async #authorize(req: LoginRequest): Promise<BrowserAuthorization> {
    const { plan } = req;
    // No browser is the first thing to say: nothing else about the login matters without one.
    await findBrowser(plan.browser);
    const unset = unsetVariablesProblem(plan);
    if (unset !== undefined) throw new LoginFailed(`${plan.at} ${unset}`);
    const authorization = new URL(req.authorizationUrl);
    if (authorization.protocol !== 'https:') {
      throw new LoginFailed(
        `the authorization endpoint ${authorization.origin} is not https: the browser logs in over TLS only`,
      );
    }
    const browser = await this.#launch(plan);
    const origins = [authorization.origin, ...plan.origins];
    try {
      return await browser.authorize({
        session: req.clientName,
        plan,
        authorizationUrl: req.authorizationUrl,
        redirectUri: req.redirectUri,
        allowedOrigins: origins,
        revealsSecret: revealing(plan, this.#revealsSecret),
        screenshot: (png) => this.#keep(req.clientName, png),
      });
    } catch (err) {
      if (!(err instanceof LoginFailed)) throw new LoginFailed(firstLine(err));
      if (this.#trustProblems.length === 0) throw err;
      throw new LoginFailed(`${err.message}; ${this.#trustProblems.join('; ')}`);
    }
  }

  #launch(plan: LoginPlan): Promise<LoginBrowser> {
    if (this.#closed) return Promise.reject(new LoginFailed('the run is over'));
    this.#browser ??= this.#start(plan);
    return this.#browser;
  }

  async #start(plan: LoginPlan): Promise<LoginBrowser> {
    const executablePath = await findBrowser(plan.browser);
    let driver: typeof import('./browser.js');
    try {
      driver = await import('./browser.js');
    } catch (err) {
      throw new BrowserUnavailable(
        `needs a browser driver: the playwright-core package did not load (${firstLine(err)}); reinstall mtls-conformance`,
      );
    }
    const serverCaPem = this.#target.serverCaPem;
    let spkiPins: string[] = [];
    if (serverCaPem !== undefined) {
      const pins = await serverKeyPins(this.#loginOrigins(), {
        serverCaPem,
        timeoutMs: plan.stepTimeoutMs,
      });
      spkiPins = pins.spki;
      this.#trustProblems = pins.problems;
    }
    return driver.launchLoginBrowser({
      executablePath,
      // The run's logins, and the one that starts the browser (its plan may come from elsewhere).
      allowedOrigins: [...new Set([...this.#loginOrigins(), ...plan.origins])],
      spkiPins,
      timeoutMs: plan.stepTimeoutMs,
    });
  }

  /** Every origin a login of this target may reach: the browser is started once for all. */
  #loginOrigins(): string[] {
    const origins = new Set<string>();
    const authorization = this.#target.endpoints.authorization;
    if (authorization !== undefined) origins.add(new URL(authorization).origin);
    for (const client of this.#target.clients) {
      for (const origin of client.login?.origins ?? []) origins.add(origin);
    }
    return [...origins];
  }

  async #keep(clientName: string, png: Uint8Array): Promise<string | undefined> {
    if (this.#attachments === undefined) return undefined;
    this.#screenshots += 1;
    return this.#attachments.screenshot(`login-${clientName}-${this.#screenshots}.png`, png);
  }
}

/** The run's secrets, and in any case the values this login types. */
function revealing(plan: LoginPlan, run: (text: string) => boolean): (text: string) => boolean {
  const typed = new SecretRegistry();
  for (const { value } of loginSecrets(plan)) typed.add(value, { anyCase: true });
  return (text) => run(text) || typed.reveals(text);
}

import type { LoginPlan } from '../target/login-plan.js';

/**
 * The browser side of a login (lib/login/browser.ts, loaded only when a login is needed): what
 * the run-wide LoginService asks of it.
 */
export interface LoginBrowser {
  authorize(req: BrowserAuthorizeRequest): Promise<BrowserAuthorization>;
  close(): Promise<void>;
}

export interface BrowserAuthorizeRequest {
  /** Whose login session (one browser context per client per run) the request runs in. */
  session: string;
  plan: LoginPlan;
  /** The authorization request, as the user agent is sent to it. */
  authorizationUrl: string;
  /** Requests to its origin and path are captured and aborted, never sent. */
  redirectUri: string;
  /** The only origins the browser may load; nothing is typed into a page outside them. */
  allowedOrigins: readonly string[];
  /** Whether a text holds a secret: a page showing one is not kept as a screenshot. */
  revealsSecret: (text: string) => boolean;
  /** Keeps a failed step's screenshot; its path in the report package, if there is one. */
  screenshot(png: Uint8Array): Promise<string | undefined>;
}

export interface BrowserAuthorization {
  /** The captured redirect to redirect_uri: the authorization response (RFC 6749 §4.1.2). */
  redirect: string;
  /** What the browser did, one line each, without any typed value. */
  log: string[];
}

export interface LaunchOptions {
  executablePath: string;
  /** Every origin a login of the run may reach: the browser reaches no other (network-fence.ts). */
  allowedOrigins: readonly string[];
  /** SPKI pins of the target's server certificates (lib/login/server-key-pins.ts). */
  spkiPins: readonly string[];
  timeoutMs: number;
}

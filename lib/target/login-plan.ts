import type { UrlMatch } from '../login/url-match.js';

/**
 * A value a login step types, as the config wrote it (`${MTLS_LOGIN_USER}` and the like) and as
 * the environment resolved it when the config was loaded: scenarios never read the environment.
 */
export interface LoginValue {
  /** As written in the config: what reports show, never the resolved text. */
  written: string;
  /** The text to type; undefined while a variable it names is not set. */
  text: string | undefined;
  /** The environment variables it names, in order. */
  variables: string[];
  /** Those of them that were not set. */
  missing: string[];
}

export interface LoginFill {
  selector: string;
  value: LoginValue;
}

/** One step of a scripted login: wait for its page, then fill, click, wait_for, in that order. */
export interface LoginStep {
  /** 1-based, as messages name it. */
  number: number;
  /** The page the step expects; absent: whatever page the browser is on. */
  url?: UrlMatch;
  fill: LoginFill[];
  click?: string;
  /** After the click: a URL or an element to wait for (else: the page the click loads). */
  waitFor?: { url?: UrlMatch; selector?: string };
}

/** The `login:` block of a client or of the target: how a person's login is scripted. */
export interface LoginPlan {
  /** Where it is in the config (`login`, `clients[2].login`), for messages. */
  at: string;
  steps: LoginStep[];
  /**
   * Origins the browser may load besides the authorization endpoint's (a login page on another
   * host); every other origin is refused, and nothing is typed into a page outside them.
   */
  origins: string[];
  stepTimeoutMs: number;
  timeoutMs: number;
  /** The Chromium executable; default: the first of the usual paths that exists. */
  browser?: string;
}

export const DEFAULT_LOGIN_STEP_TIMEOUT_MS = 20_000;
export const DEFAULT_LOGIN_TIMEOUT_MS = 60_000;

/**
 * What is wrong when a value the plan types names a variable that is not set (the plan's path
 * goes before it); undefined when every one is set.
 */
export function unsetVariablesProblem(plan: LoginPlan): string | undefined {
  const missing = [...new Set(plan.steps.flatMap((s) => s.fill.flatMap((f) => f.value.missing)))];
  if (missing.length === 0) return undefined;
  return `types ${missing.map((m) => `\${${m}}`).join(', ')}, and ${missing.length === 1 ? 'it is' : 'they are'} not set in the environment: export ${missing.join(' ')} before the run (secrets come only from the environment)`;
}

/**
 * The resolved texts of every value the plan takes from the environment: run secrets, each
 * shown as it is written in the config (`${MTLS_LOGIN_PASSWORD}`).
 */
export function loginSecrets(plan: LoginPlan): Array<{ value: string; shownAs: string }> {
  return plan.steps.flatMap((step) =>
    step.fill.flatMap(({ value }) =>
      value.variables.length > 0 && value.text !== undefined
        ? [{ value: value.text, shownAs: value.written }]
        : [],
    ),
  );
}

import type { UrlMatch } from '../login/url-match.js';
import { renderPath } from './config-path.js';
import { configProblem } from './config-problem.js';
import { httpsUrlProblem } from './http-url.js';
import {
  DEFAULT_LOGIN_STEP_TIMEOUT_MS,
  DEFAULT_LOGIN_TIMEOUT_MS,
  type LoginPlan,
  type LoginStep,
  type LoginValue,
} from './login-plan.js';
import type { RawLogin, RawLoginStep, RawUrlMatch } from './raw-config.js';

/** The environment a config is resolved against: `${NAME}` in a login value reads it. */
export type ConfigEnvironment = Readonly<Record<string, string | undefined>>;

const VARIABLE = /\$\{([^}]*)\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A `login:` block (the target's or a client's) checked and resolved: each step's URL pattern
 * compiles, each step does something, origins are https origins, and every `${NAME}` is read
 * from `env` now, so that no scenario reads the environment. A variable that is not set is
 * recorded, not an error: only a run that logs in needs it, and it says so then.
 */
export function loginPlan(
  file: string,
  at: readonly (string | number)[],
  raw: RawLogin,
  env: ConfigEnvironment,
): LoginPlan {
  const path = renderPath(at);
  const steps = raw.steps.map((step, index) =>
    loginStep(file, [...at, 'steps', index], step, index + 1, env),
  );
  const origins = (raw.origins ?? []).map((origin, index) =>
    loginOrigin(file, renderPath([...at, 'origins', index]), origin),
  );
  const stepTimeoutMs = raw.step_timeout_ms ?? DEFAULT_LOGIN_STEP_TIMEOUT_MS;
  const timeoutMs = raw.timeout_ms ?? Math.max(DEFAULT_LOGIN_TIMEOUT_MS, stepTimeoutMs);
  if (timeoutMs < stepTimeoutMs) {
    throw configProblem(
      file,
      `${path}.timeout_ms`,
      `must not be shorter than step_timeout_ms (${stepTimeoutMs})`,
    );
  }
  return {
    at: path,
    steps,
    origins: [...new Set(origins)],
    stepTimeoutMs,
    timeoutMs,
    ...(raw.browser === undefined ? {} : { browser: raw.browser }),
  };
}

function loginStep(
  file: string,
  at: readonly (string | number)[],
  raw: RawLoginStep,
  number: number,
  env: ConfigEnvironment,
): LoginStep {
  const path = renderPath(at);
  if (raw.fill === undefined && raw.click === undefined && raw.wait_for === undefined) {
    throw configProblem(file, path, 'a step needs fill, click or wait_for (or several of them)');
  }
  const step: LoginStep = {
    number,
    fill: (raw.fill ?? []).map((fill, index) => ({
      selector: fill.selector,
      value: loginValue(file, renderPath([...at, 'fill', index, 'value']), fill.value, env),
    })),
  };
  const url = urlMatch(file, path, raw);
  if (url) step.url = url;
  if (raw.click !== undefined) step.click = raw.click;
  if (raw.wait_for !== undefined) {
    const waitUrl = urlMatch(file, `${path}.wait_for`, raw.wait_for);
    if (waitUrl === undefined && raw.wait_for.selector === undefined) {
      throw configProblem(file, `${path}.wait_for`, 'needs url, url_regex or selector');
    }
    step.waitFor = {
      ...(waitUrl ? { url: waitUrl } : {}),
      ...(raw.wait_for.selector === undefined ? {} : { selector: raw.wait_for.selector }),
    };
  }
  return step;
}

function urlMatch(file: string, path: string, raw: RawUrlMatch): UrlMatch | undefined {
  if (raw.url !== undefined && raw.url_regex !== undefined) {
    throw configProblem(file, path, 'give url (a glob) or url_regex, not both');
  }
  if (raw.url !== undefined) return { kind: 'glob', pattern: raw.url };
  if (raw.url_regex === undefined) return undefined;
  try {
    new RegExp(raw.url_regex);
  } catch (err) {
    throw configProblem(
      file,
      `${path}.url_regex`,
      `not a regular expression: ${(err as Error).message}`,
    );
  }
  return { kind: 'regex', pattern: raw.url_regex };
}

function loginValue(
  file: string,
  path: string,
  written: string,
  env: ConfigEnvironment,
): LoginValue {
  const variables: string[] = [];
  for (const [, name = ''] of written.matchAll(VARIABLE)) {
    if (!VARIABLE_NAME.test(name)) {
      throw configProblem(
        file,
        path,
        `\${${name}} is not an environment variable name (letters, digits and _)`,
      );
    }
    variables.push(name);
  }
  const missing = variables.filter((name) => env[name] === undefined);
  const text =
    missing.length > 0
      ? undefined
      : written.replace(VARIABLE, (_, name: string) => env[name] as string);
  return { written, text, variables, missing };
}

function loginOrigin(file: string, path: string, value: string): string {
  const problem = httpsUrlProblem(value);
  if (problem) throw configProblem(file, path, problem);
  const url = new URL(value);
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '') {
    throw configProblem(
      file,
      path,
      `must be an origin (scheme, host and port, no path), e.g. ${url.origin}`,
    );
  }
  return url.origin;
}

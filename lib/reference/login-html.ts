import { escapeControls } from '../output/escape.js';
import type { Reply } from './http.js';

/**
 * The login and consent pages of `--login-page`. Everything a request brought (client_id,
 * scope, the typed user name) passes `escapeHtml`: a hostile authorization request must not
 * become script in the page the person types a password into.
 */

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/**
 * Text or a quoted attribute value. Invisible and control characters are shown escaped first
 * (the project's one escaper), so nothing hides in what the person reads.
 */
export function escapeHtml(text: string): string {
  return escapeControls(text).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] as string);
}

/**
 * No script runs, nothing loads from elsewhere, no one frames the page (clickjacking the
 * Allow button). No form-action: Chromium applies it to the redirect after the consent POST,
 * which goes to the client's redirect URI on another origin.
 */
const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function page(status: number, title: string, body: string, headers: Record<string, string> = {}) {
  const html =
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    `<title>${escapeHtml(title)}</title>` +
    '<style>body{font-family:sans-serif;max-width:28em;margin:3em auto}label{display:block;margin:.8em 0}</style>' +
    `</head><body>\n${body}\n</body></html>\n`;
  return { status, headers: { ...PAGE_HEADERS, ...headers }, html } satisfies Reply;
}

export interface LoginFormView {
  /** Posted back with the form: names the pending authorization request. */
  interaction: string;
  clientId: string;
  /** What the person typed last time, shown again after a wrong password. */
  username?: string;
  error?: string;
}

export function loginFormPage(view: LoginFormView, formAction: string): Reply {
  const error =
    view.error === undefined ? '' : `<p id="error" role="alert">${escapeHtml(view.error)}</p>\n`;
  return page(
    200,
    'Sign in',
    `<h1>Sign in</h1>\n<p>to continue to <strong id="client">${escapeHtml(view.clientId)}</strong></p>\n${error}` +
      `<form method="post" action="${escapeHtml(formAction)}">\n` +
      `<input type="hidden" name="interaction" value="${escapeHtml(view.interaction)}">\n` +
      `<label>User <input id="username" name="username" autocomplete="username" value="${escapeHtml(view.username ?? '')}"></label>\n` +
      '<label>Password <input id="password" name="password" type="password" autocomplete="current-password"></label>\n' +
      '<button id="sign-in" type="submit">Sign in</button>\n</form>',
  );
}

export interface ConsentView {
  interaction: string;
  clientId: string;
  scope?: string;
  username: string;
}

export function consentPage(view: ConsentView, formAction: string): Reply {
  const scope =
    view.scope === undefined
      ? '<p>No scope was requested.</p>'
      : `<p>It asks for the scope <code id="scope">${escapeHtml(view.scope)}</code>.</p>`;
  return page(
    200,
    'Allow access?',
    `<h1>Allow access?</h1>\n<p>Signed in as <strong id="user">${escapeHtml(view.username)}</strong>.</p>\n` +
      `<p><strong id="client">${escapeHtml(view.clientId)}</strong> wants to act for you.</p>\n${scope}\n` +
      `<form method="post" action="${escapeHtml(formAction)}">\n` +
      `<input type="hidden" name="interaction" value="${escapeHtml(view.interaction)}">\n` +
      '<button id="allow" type="submit" name="decision" value="allow">Allow</button>\n' +
      '<button id="deny" type="submit" name="decision" value="deny">Deny</button>\n</form>',
  );
}

/** The page for an interaction that is unknown, used, expired, or not this browser's. */
export function interactionGonePage(): Reply {
  return page(
    400,
    'Sign-in expired',
    '<h1>This sign-in is no longer valid</h1>\n<p>Start again from the application.</p>',
  );
}

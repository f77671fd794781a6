import type { IncomingHttpHeaders } from 'node:http';
import { RecentlyUsed } from './recently-used.js';
import { randomToken } from './token-store.js';

/**
 * The reference's one test user (`--login-page`). Fixed and documented rather than minted per
 * state dir: the login: block names them by environment variable, and a person trying the
 * form by hand needs them too. It is a loopback test server; nothing real is behind it.
 */
export const REFERENCE_LOGIN_USER = 'reference-user';
export const REFERENCE_LOGIN_PASSWORD = 'reference-password';

/** The environment variables the reference's own target config reads them from. */
export const LOGIN_USER_VARIABLE = 'MTLS_LOGIN_USER';
export const LOGIN_PASSWORD_VARIABLE = 'MTLS_LOGIN_PASSWORD';

/** What a run against `--login-page` needs in its environment. */
export function referenceLoginEnvironment(): Record<string, string> {
  return {
    [LOGIN_USER_VARIABLE]: REFERENCE_LOGIN_USER,
    [LOGIN_PASSWORD_VARIABLE]: REFERENCE_LOGIN_PASSWORD,
  };
}

/**
 * The target config's `login:` block for these pages (lib/target/login-config.ts): the user
 * and password come from the environment, never from the file.
 */
export function referenceLoginSteps(): Record<string, unknown> {
  return {
    steps: [
      {
        url: '**/login?*',
        fill: [
          { selector: '#username', value: `\${${LOGIN_USER_VARIABLE}}` },
          { selector: '#password', value: `\${${LOGIN_PASSWORD_VARIABLE}}` },
        ],
        click: '#sign-in',
      },
      { url: '**/consent?*', click: '#allow' },
    ],
  };
}

export const SESSION_COOKIE = 'mtls_reference_session';
const SESSION_LIFETIME_SECONDS = 3600;
const INTERACTION_LIFETIME_SECONDS = 600;
/** Bounds that keep a long-running server flat whatever a client (or a loop) sends. */
const MAX_SESSIONS = 1024;
const MAX_INTERACTIONS = 1024;

/** A pending authorization request, between the redirect to the login page and the decision. */
export interface Interaction {
  id: string;
  clientId: string;
  redirectUri: string;
  /** The request's parameters, as the authorization endpoint resolved them (PAR included). */
  params: Record<string, string>;
  /** Set once the person has signed in: the consent must come from that same session. */
  sessionId?: string;
  /** Wrong passwords so far. */
  attempts: number;
  expiresAt: number;
}

export interface LoginSession {
  id: string;
  username: string;
  /** Clients the person allowed in this session: asked once, then remembered. */
  consented: Set<string>;
  expiresAt: number;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}

/** One browser's session cookie value, if it sent one. */
export function sessionCookie(headers: IncomingHttpHeaders): string | undefined {
  for (const part of (headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** The cookie is only for this server's own pages, over TLS, and never readable by script. */
export function setSessionCookie(id: string): string {
  return `${SESSION_COOKIE}=${id}; Path=/; Max-Age=${SESSION_LIFETIME_SECONDS}; Secure; HttpOnly; SameSite=Lax`;
}

/** Sessions and pending interactions of one server instance, each bounded and expiring. */
export class LoginState {
  private readonly sessions = new RecentlyUsed<string, LoginSession>(MAX_SESSIONS);
  private readonly interactions = new RecentlyUsed<string, Interaction>(MAX_INTERACTIONS);

  startInteraction(request: Omit<Interaction, 'id' | 'expiresAt'>): Interaction {
    const interaction = {
      ...request,
      id: randomToken(),
      expiresAt: now() + INTERACTION_LIFETIME_SECONDS,
    };
    this.interactions.set(interaction.id, interaction);
    return interaction;
  }

  interaction(id: string | undefined): Interaction | undefined {
    const found = id === undefined ? undefined : this.interactions.get(id);
    return found !== undefined && found.expiresAt > now() ? found : undefined;
  }

  /** An interaction ends with its decision: its id is good for one answer only. */
  endInteraction(id: string): void {
    this.interactions.delete(id);
  }

  session(headers: IncomingHttpHeaders): LoginSession | undefined {
    const id = sessionCookie(headers);
    const found = id === undefined ? undefined : this.sessions.get(id);
    return found !== undefined && found.expiresAt > now() ? found : undefined;
  }

  startSession(username: string): LoginSession {
    const session = {
      id: randomToken(),
      username,
      consented: new Set<string>(),
      expiresAt: now() + SESSION_LIFETIME_SECONDS,
    };
    this.sessions.set(session.id, session);
    return session;
  }
}

import { isIP } from 'node:net';
import { parseDn } from '../certs/rfc4514.js';
import { renderPath } from './config-path.js';
import { configProblem } from './config-problem.js';
import { httpUrlProblem } from './http-url.js';
import type { RawClient } from './raw-config.js';
import type { Grant, SubjectMatch, TargetClient } from './target.js';

const SUBJECT_KINDS = ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'] as const;

/** Auth methods that authenticate with, or bind to, a client certificate (RFC 8705 §2, §4). */
const NEEDS_IDENTITY: ReadonlySet<RawClient['auth']> = new Set([
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
]);

/**
 * The rules the schema cannot phrase well: which fields go with which auth method and grant.
 * Returns the client without its identity (files are read afterwards, once every rule holds).
 */
export function checkClientRules(
  file: string,
  index: number,
  raw: RawClient,
): Omit<TargetClient, 'identity'> {
  const at = renderPath(['clients', index]);
  const client: Omit<TargetClient, 'identity'> = {
    name: raw.name,
    clientId: raw.client_id,
    auth: raw.auth,
    grant: clientGrant(file, at, raw),
  };
  const subject = clientSubject(file, at, raw);
  if (subject) client.subject = subject;
  if (raw.identity === undefined && NEEDS_IDENTITY.has(raw.auth)) {
    throw configProblem(
      file,
      at,
      `missing required key "identity" (auth ${raw.auth} needs a client certificate)`,
    );
  }
  if (raw.auth === 'client_secret_basic' && raw.client_secret === undefined) {
    throw configProblem(
      file,
      at,
      'missing required key "client_secret" (auth client_secret_basic)',
    );
  }
  if (raw.auth === 'none' && raw.client_secret !== undefined) {
    throw configProblem(
      file,
      `${at}.client_secret`,
      'not allowed with auth none (a public client has no secret)',
    );
  }
  if (raw.client_secret !== undefined) client.clientSecret = raw.client_secret;
  if (raw.scope !== undefined) client.scope = raw.scope;
  return client;
}

function clientSubject(file: string, at: string, raw: RawClient): SubjectMatch | undefined {
  const given = SUBJECT_KINDS.filter((kind) => raw[kind] !== undefined);
  if (raw.auth !== 'tls_client_auth') {
    const [stray] = given;
    if (stray) {
      throw configProblem(
        file,
        `${at}.${stray}`,
        `only for auth tls_client_auth (this client's auth is ${raw.auth})`,
      );
    }
    return undefined;
  }
  const choices = SUBJECT_KINDS.join(', ');
  if (given.length === 0) {
    throw configProblem(
      file,
      at,
      `no subject field: tls_client_auth takes exactly one of ${choices}`,
    );
  }
  if (given.length > 1) {
    const count = given.length === 2 ? 'two' : String(given.length);
    throw configProblem(
      file,
      at,
      `${count} subject fields (${given.join(', ')}): tls_client_auth takes exactly one of ${choices}`,
    );
  }
  const kind = given[0] as (typeof SUBJECT_KINDS)[number];
  const value = raw[kind] as string;
  checkSubjectValue(file, `${at}.${kind}`, kind, value);
  return { kind, value };
}

function checkSubjectValue(file: string, at: string, kind: SubjectMatch['kind'], value: string) {
  if (kind === 'subject_dn') {
    checkDistinguishedName(file, at, value);
  } else if (kind === 'san_ip' && isIP(value) === 0) {
    throw configProblem(file, at, `not an IPv4 or IPv6 address: ${JSON.stringify(value)}`);
  }
}

/** A DN the config gives as registered: it must parse as RFC 4514. */
export function checkDistinguishedName(file: string, at: string, value: string): void {
  try {
    parseDn(value);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw configProblem(file, at, `not an RFC 4514 distinguished name: ${reason}`, {
      cause: err,
    });
  }
}

function clientGrant(file: string, at: string, raw: RawClient): Grant {
  const type = raw.grant ?? 'client_credentials';
  if (type !== 'refresh_token' && raw.refresh_token !== undefined) {
    throw configProblem(file, `${at}.refresh_token`, 'only used with grant refresh_token');
  }
  if (type !== 'authorization_code' && raw.redirect_uri !== undefined) {
    throw configProblem(file, `${at}.redirect_uri`, 'only used with grant authorization_code');
  }
  switch (type) {
    case 'client_credentials':
      return { type };
    case 'refresh_token':
      if (raw.refresh_token === undefined) {
        throw configProblem(file, at, 'missing required key "refresh_token" (grant refresh_token)');
      }
      return { type, refreshToken: raw.refresh_token };
    case 'authorization_code': {
      if (raw.redirect_uri === undefined) {
        throw configProblem(
          file,
          at,
          'missing required key "redirect_uri" (grant authorization_code)',
        );
      }
      const problem = httpUrlProblem(raw.redirect_uri);
      if (problem) throw configProblem(file, `${at}.redirect_uri`, problem);
      return { type, redirectUri: raw.redirect_uri };
    }
  }
}

/** Client names label reports and identities: they must be unique. */
export function checkUniqueNames(file: string, clients: readonly RawClient[]): void {
  const seen = new Map<string, number>();
  clients.forEach((client, index) => {
    const first = seen.get(client.name);
    if (first !== undefined) {
      throw configProblem(
        file,
        renderPath(['clients', index, 'name']),
        `duplicate client name ${JSON.stringify(client.name)} (also ${renderPath(['clients', first])})`,
      );
    }
    seen.set(client.name, index);
  });
}

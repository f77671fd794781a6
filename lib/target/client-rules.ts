import { isIP } from 'node:net';
import { parseDn } from '../certs/rfc4514.js';
import { renderPath } from './config-path.js';
import { configProblem } from './config-problem.js';
import { httpUrlProblem } from './http-url.js';
import type { RawClient } from './raw-config.js';
import type { AssertionAudience, Grant, SubjectMatch, TargetClient } from './target.js';

const SUBJECT_KINDS = ['subject_dn', 'san_dns', 'san_uri', 'san_ip', 'san_email'] as const;

/** Auth methods that authenticate with, or bind to, a client certificate (RFC 8705 §2, §4). */
const NEEDS_IDENTITY: ReadonlySet<RawClient['auth']> = new Set([
  'tls_client_auth',
  'self_signed_tls_client_auth',
  'none',
]);

/** Auth methods that send a client secret (RFC 6749 §2.3.1). */
const SECRET_METHODS: ReadonlySet<RawClient['auth']> = new Set([
  'client_secret_basic',
  'client_secret_post',
]);

/** Keys that only describe how a private_key_jwt client signs (RFC 7523, RFC 7591 §2). */
const ASSERTION_KEYS = [
  'assertion_key',
  'token_endpoint_auth_signing_alg',
  'assertion_audience',
  'jwks_uri',
] as const;

/**
 * The rules the schema cannot phrase well: which fields go with which auth method and grant.
 * Returns the client without its identity (files are read afterwards, once every rule holds).
 */
export function checkClientRules(
  file: string,
  index: number,
  raw: RawClient,
): Omit<TargetClient, 'identity' | 'assertion'> {
  const at = renderPath(['clients', index]);
  const client: Omit<TargetClient, 'identity' | 'assertion'> = {
    name: raw.name,
    clientId: raw.client_id,
    auth: raw.auth,
    bound: raw.bound === true,
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
  if (raw.identity === undefined && client.bound) {
    throw configProblem(
      file,
      at,
      'missing required key "identity" (bound: true needs the certificate its tokens are bound to)',
    );
  }
  checkCredentials(file, at, raw);
  if (raw.client_secret !== undefined) client.clientSecret = raw.client_secret;
  if (raw.redirect_uri !== undefined) client.redirectUri = raw.redirect_uri;
  if (raw.scope !== undefined) client.scope = raw.scope;
  return client;
}

/** Which credential goes with which auth method: a secret, a signing key, or neither. */
function checkCredentials(file: string, at: string, raw: RawClient): void {
  if (SECRET_METHODS.has(raw.auth) && raw.client_secret === undefined) {
    throw configProblem(file, at, `missing required key "client_secret" (auth ${raw.auth})`);
  }
  // `${NAME}` is read from the environment only in login values: here it would be sent as it
  // is, and the server's refusal read as its failure.
  if (raw.client_secret !== undefined && /\$\{[A-Za-z_][A-Za-z0-9_]*\}/.test(raw.client_secret)) {
    throw configProblem(
      file,
      `${at}.client_secret`,
      `names an environment variable (\${…}), which only login values read: write the secret itself here and keep the file private (chmod 600), or generate the config from the environment`,
    );
  }
  if (raw.auth === 'none' && raw.client_secret !== undefined) {
    throw configProblem(
      file,
      `${at}.client_secret`,
      'not allowed with auth none (a public client has no secret)',
    );
  }
  if (raw.auth !== 'private_key_jwt') {
    const stray = ASSERTION_KEYS.find((key) => raw[key] !== undefined);
    if (stray) {
      throw configProblem(
        file,
        `${at}.${stray}`,
        `only for auth private_key_jwt (this client's auth is ${raw.auth})`,
      );
    }
    return;
  }
  if (raw.client_secret !== undefined) {
    throw configProblem(
      file,
      `${at}.client_secret`,
      'not allowed with auth private_key_jwt (it authenticates with a signed client assertion, RFC 7523)',
    );
  }
  if (raw.assertion_key === undefined && raw.identity === undefined) {
    throw configProblem(
      file,
      at,
      'auth private_key_jwt needs a signing key: give assertion_key (a PEM or JWK file), or an identity whose key signs the assertions',
    );
  }
  if (raw.jwks_uri !== undefined) {
    const problem = httpUrlProblem(raw.jwks_uri);
    if (problem) throw configProblem(file, `${at}.jwks_uri`, problem);
  }
}

const AUDIENCE_KINDS = ['token_endpoint', 'issuer', 'endpoint'] as const;

/** assertion_audience as configured: one of the named kinds, or an absolute URL. */
export function assertionAudience(
  file: string,
  at: string,
  value: string | undefined,
): AssertionAudience {
  if (value === undefined) return { kind: 'token_endpoint' };
  const kind = AUDIENCE_KINDS.find((k) => k === value);
  if (kind !== undefined) return { kind };
  if (httpUrlProblem(value) !== undefined) {
    throw configProblem(
      file,
      `${at}.assertion_audience`,
      `must be ${AUDIENCE_KINDS.join(', ')} or an absolute http(s) URL, got ${JSON.stringify(value)}`,
    );
  }
  return { kind: 'url', url: value };
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
  if (raw.redirect_uri !== undefined) {
    const problem = httpUrlProblem(raw.redirect_uri);
    if (problem) throw configProblem(file, `${at}.redirect_uri`, problem);
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

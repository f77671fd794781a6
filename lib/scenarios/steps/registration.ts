import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isObject } from '../../json-object.js';
import type { AuthMethod, SubjectMatch, TargetClient } from '../../target/target.js';
import { targetOrigins, unusableManagementUri } from '../../target/target-origins.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { describeResult } from './describe.js';
import { oauthError } from './oauth-error.js';

/** RFC 7591 §3.2.2: the error for metadata the server will not accept. */
export const INVALID_CLIENT_METADATA = 'invalid_client_metadata';

/** A client the server registered, as its registration response describes it (RFC 7591 §3.2.1). */
export interface RegisteredClient {
  clientId: string;
  /** The response body: every metadata value the server registered. */
  metadata: Record<string, unknown>;
  /**
   * RFC 7592 management (for the clean-up DELETE). The access token is a secret: it stays in
   * memory, transcripts redact it, and no message ever contains it.
   */
  management?: { uri: string; accessToken: string };
  /** Why the server's RFC 7592 credentials are not used, when it gave some. */
  unmanaged?: string;
}

export interface RegistrationAttempt {
  result: ExchangeResult;
  /** Set when the server answered 2xx with a client_id: the client exists now. */
  registered?: RegisteredClient;
}

/**
 * POST the client metadata to the registration endpoint (its mTLS alias when advertised), with
 * the configured initial access token as a Bearer credential when there is one (RFC 7591 §3).
 * `identity` is the certificate presented in the handshake: an mTLS alias may demand one.
 */
export async function registerClient(
  ctx: ScenarioContext,
  req: { label: string; metadata: Record<string, unknown>; identity: Identity | null },
): Promise<RegistrationAttempt> {
  const url = ctx.target.mtlsEndpoints.registration;
  if (!url) throw new ScenarioSkip('no registration_endpoint in metadata or config');
  const headers: Record<string, string> = { accept: 'application/json' };
  const initialAccessToken = ctx.target.registration?.initialAccessToken;
  if (initialAccessToken !== undefined) headers.authorization = `Bearer ${initialAccessToken}`;
  const result = await ctx.exchange(req.identity, {
    label: req.label,
    method: 'POST',
    url,
    headers,
    json: req.metadata,
  });
  return registrationAttempt(result, targetOrigins(ctx.target));
}

function registrationAttempt(
  result: ExchangeResult,
  origins: readonly string[],
): RegistrationAttempt {
  if (result.kind !== 'response' || result.status < 200 || result.status >= 300) return { result };
  const body = result.json;
  if (!isObject(body) || typeof body.client_id !== 'string' || body.client_id === '') {
    return { result };
  }
  const registered: RegisteredClient = { clientId: body.client_id, metadata: body };
  const { registration_client_uri: uri, registration_access_token: accessToken } = body;
  if (typeof uri === 'string' && typeof accessToken === 'string') {
    const unusable = unusableManagementUri(uri, origins);
    if (unusable === undefined) registered.management = { uri, accessToken };
    else registered.unmanaged = unusable;
  }
  return { result, registered };
}

/**
 * Removes a client the run registered (RFC 7592 §2.3 DELETE). Returns a note when it could not,
 * never throws: a failed clean-up is worth telling the operator, not a verdict on the target.
 */
export async function deleteRegisteredClient(
  ctx: ScenarioContext,
  attempt: RegistrationAttempt,
  identity: Identity | null,
): Promise<string | undefined> {
  const registered = attempt.registered;
  if (!registered) return undefined;
  if (!registered.management) {
    return `client ${registered.clientId} stays registered: ${registered.unmanaged ?? 'the registration response has no registration_client_uri and registration_access_token (RFC 7592) to delete it with'}`;
  }
  const result = await ctx.exchange(identity, {
    label: `clean-up: delete registered client ${registered.clientId} (RFC 7592)`,
    method: 'DELETE',
    url: registered.management.uri,
    headers: { authorization: `Bearer ${registered.management.accessToken}` },
  });
  if (result.kind === 'response' && result.status >= 200 && result.status < 300) return undefined;
  return `clean-up of registered client ${registered.clientId} failed (${describeResult(result)}): it stays registered`;
}

/**
 * Registers, lets `use` work with the outcome, and deletes whatever got registered, whatever
 * `use` does. The clean-up note, if any, is added to the scenario's notes.
 */
export async function withRegistration<T>(
  ctx: ScenarioContext,
  req: {
    label: string;
    metadata: Record<string, unknown>;
    identity: Identity | null;
    /**
     * The certificate that authenticates as the new client, for its RFC 7592 management where
     * that is not `identity` (a client registered with a DN no configured certificate has).
     */
    manageAs?: Identity;
  },
  use: (attempt: RegistrationAttempt) => Promise<T> | T,
): Promise<T> {
  const attempt = await registerClient(ctx, req);
  try {
    return await use(attempt);
  } finally {
    const problem = await deleteRegisteredClient(ctx, attempt, req.manageAs ?? req.identity);
    if (problem !== undefined) ctx.note(problem);
  }
}

/**
 * "Rejected" at the registration endpoint: an error, never a registered client. HTTP 400 with
 * `invalid_client_metadata` is RFC 7591 §3.2.2's answer; another 4xx passes with a note.
 */
export function expectRegistrationRejected(
  ctx: ScenarioContext,
  attempt: RegistrationAttempt,
  what: string,
): void {
  const { result, registered } = attempt;
  const observed = describeResult(result);
  ctx.observed = observed;
  if (registered) {
    throw new ScenarioFailure(
      `the server registered ${what} as client ${registered.clientId} instead of answering 400 ${INVALID_CLIENT_METADATA}`,
      { observed: `${observed}; client_id ${registered.clientId}` },
    );
  }
  if (result.kind === 'failure') {
    throw new ScenarioFailure(`no answer to the registration request`, { observed });
  }
  if (result.status < 400 || result.status >= 500) {
    throw new ScenarioFailure(
      `HTTP ${result.status} is neither a registration nor a rejection (expected 400 ${INVALID_CLIENT_METADATA})`,
      { observed },
    );
  }
  const err = oauthError(result);
  if (result.status !== 400 || err?.error !== INVALID_CLIENT_METADATA) {
    ctx.note(
      `rejected, but not with HTTP 400 ${INVALID_CLIENT_METADATA} as RFC 7591 §3.2.2 asks (${observed})`,
    );
  }
}

/** A random tag per run, so registered names and subjects never collide with an earlier run's. */
export function registrationRunTag(ctx: ScenarioContext): Promise<string> {
  return ctx.memo.get('registration:run-tag', async () => randomBytes(5).toString('hex'));
}

/** A subject DN nobody else uses: `purpose` says what it is for (e.g. "client", "unmatched"). */
export function registrationSubject(tag: string, purpose: string): string {
  return `CN=mtls-conformance reg ${tag} ${purpose},O=mtls-conformance`;
}

/**
 * Metadata every registration of the run shares: a client_credentials client with no
 * redirection (so no redirect_uris are needed) that asks for certificate-bound tokens
 * (RFC 8705 §3.4), with the configured token request scope so its tokens are usable.
 */
export function baseClientMetadata(
  ctx: ScenarioContext,
  opts: { tag: string; purpose: string },
): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    client_name: `mtls-conformance ${opts.purpose} ${opts.tag}`,
    grant_types: ['client_credentials'],
    response_types: [],
    tls_client_certificate_bound_access_tokens: true,
  };
  const scope = ctx.target.tokenParams.scope;
  if (scope !== undefined) metadata.scope = scope;
  return metadata;
}

/**
 * A public JWK without `x5c` (REG-04): a fresh P-256 key whose private half is discarded, so no
 * certificate can ever match it by accident.
 */
export function jwkWithoutX5c(): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { ...publicKey.export({ format: 'jwk' }), use: 'sig', kid: 'mtls-conformance-no-x5c' };
}

/** The registered client as a TargetClient, so the token steps can authenticate as it. */
export function registeredTargetClient(
  registered: Pick<RegisteredClient, 'clientId'>,
  opts: { name: string; auth: AuthMethod; identity: Identity; subject?: SubjectMatch },
): TargetClient {
  const client: TargetClient = {
    name: opts.name,
    clientId: registered.clientId,
    auth: opts.auth,
    identity: opts.identity,
    // baseClientMetadata asks for certificate-bound tokens (RFC 8705 §3.4).
    bound: true,
    grant: { type: 'client_credentials' },
  };
  if (opts.subject) client.subject = opts.subject;
  return client;
}

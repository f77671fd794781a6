import { decodeJwt } from 'jose';
import { isObject } from '../../json-object.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { bindingClient, type ClientWithIdentity } from '../roles.js';
import { expectIntrospectionAnswer, introspect } from './introspection.js';

/**
 * A JWT access token carries its binding in its claims; an opaque one only shows it through
 * introspection (RFC 8705 §3.1, §3.2). Which one a target issues decides where BIND reads `cnf`
 * and, for BIND-07 and BIND-11, the level of some checks.
 */
export type TokenFormat = 'jwt' | 'opaque';

const BASE64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;

/** The claims of a JWT access token, or undefined when the token is opaque to the client. */
export function jwtClaims(token: string): Record<string, unknown> | undefined {
  const segments = token.split('.');
  if (segments.length !== 3 || !segments.slice(0, 2).every((s) => BASE64URL_SEGMENT.test(s))) {
    return undefined;
  }
  try {
    return decodeJwt(token);
  } catch {
    return undefined;
  }
}

export function accessTokenFormat(token: string): TokenFormat {
  return jwtClaims(token) === undefined ? 'opaque' : 'jwt';
}

/** `cnf["x5t#S256"]` of a JWT claims set or an introspection response (RFC 8705 §3.1). */
export function cnfThumbprint(claims: Record<string, unknown>): string | undefined {
  const { cnf } = claims;
  if (!isObject(cnf)) return undefined;
  const thumbprint = cnf['x5t#S256'];
  return typeof thumbprint === 'string' ? thumbprint : undefined;
}

/** What the target says a token is bound to, and where the harness read it. */
export interface Binding {
  format: TokenFormat;
  source: 'jwt' | 'introspection';
  /** `cnf["x5t#S256"]`; undefined when absent (or, for opaque tokens, unreadable: see `unreadable`). */
  thumbprint: string | undefined;
  /** Set when the binding of an opaque token could not be read at all, with the reason. */
  unreadable?: string;
}

/**
 * Reads the binding of an access token: from its claims when it is a JWT, else by introspection
 * as `caller`, by default the binding client (an opaque token means nothing to anyone else;
 * some servers describe a token only to the client it was issued to).
 */
export async function readBinding(
  ctx: ScenarioContext,
  opts: { accessToken: string; label: string; caller?: ClientWithIdentity },
): Promise<Binding> {
  const claims = jwtClaims(opts.accessToken);
  if (claims) return { format: 'jwt', source: 'jwt', thumbprint: cnfThumbprint(claims) };
  const opaque = { format: 'opaque', source: 'introspection', thumbprint: undefined } as const;
  const caller = opts.caller ?? bindingClient(ctx.target);
  if (!ctx.target.mtlsEndpoints.introspection || !caller) {
    return {
      ...opaque,
      unreadable:
        'the access token is opaque and the target has no introspection endpoint to read its cnf',
    };
  }
  const result = await introspect(ctx, {
    label: opts.label,
    caller,
    token: opts.accessToken,
    tokenTypeHint: 'access_token',
  });
  const answer = expectIntrospectionAnswer(result, caller);
  if (!answer.active) {
    return {
      ...opaque,
      unreadable: 'introspection reports the opaque access token inactive (judged by BIND-07)',
    };
  }
  const thumbprint = cnfThumbprint(answer.claims);
  if (thumbprint === undefined) {
    return {
      ...opaque,
      unreadable: 'introspection shows no cnf for the opaque access token (judged by BIND-07)',
    };
  }
  return { ...opaque, thumbprint };
}

/**
 * The token must be bound to `identity`'s certificate: `cnf["x5t#S256"]` equal to
 * base64url(SHA-256(DER)) of the certificate (RFC 8705 §3.1). A JWT without `cnf` is an unbound
 * bearer token (a failure); an opaque token whose binding the harness cannot read is skipped
 * (`unreadable: 'skip'`) or only noted (`'note'`, when the scenario proves the binding otherwise).
 */
export function expectBoundTo(
  ctx: ScenarioContext,
  binding: Binding,
  identity: Identity,
  opts: { what: string; unreadable?: 'skip' | 'note' },
): void {
  if (binding.unreadable !== undefined) {
    if (opts.unreadable === 'note') {
      ctx.note(`binding not read from cnf: ${binding.unreadable}`);
      return;
    }
    throw new ScenarioSkip(`cannot read the binding of ${opts.what}: ${binding.unreadable}`);
  }
  const where =
    binding.source === 'jwt' ? 'in the JWT access token' : 'in the introspection response';
  if (binding.thumbprint === undefined) {
    throw new ScenarioFailure(`${opts.what} is not bound: no cnf["x5t#S256"] ${where}`, {
      observed: `no cnf["x5t#S256"] ${where}`,
    });
  }
  const observed = `cnf["x5t#S256"] ${where} = ${binding.thumbprint}; ${identity.name} certificate = ${identity.x5tS256}`;
  if (binding.thumbprint !== identity.x5tS256) {
    throw new ScenarioFailure(`${opts.what} is not bound to the certificate of ${identity.name}`, {
      observed,
    });
  }
  ctx.observed = observed;
}

import { randomBytes } from 'node:crypto';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { NO_PAR_CLIENT } from '../requirements.js';
import { type ClientWithIdentity, codeClient, parCodeClient } from '../roles.js';
import { type IssuedCode, issueCode, pkcePair } from './authorization-code.js';
import { describeResult } from './describe.js';
import { ownGrantTokens } from './grant-tokens.js';
import { pushAuthorizationRequest, requestUriOf } from './par.js';
import { isTokenIssued } from './token.js';

export const NO_CODE_CLIENT =
  'no client with grant authorization_code, a certificate and a redirect_uri in the config';

export function requireCodeClient(ctx: ScenarioContext): ClientWithIdentity {
  const who = codeClient(ctx.target);
  if (who === undefined) throw new ScenarioSkip(NO_CODE_CLIENT);
  return who;
}

/**
 * The positive control of CODE-02 and CODE-03: the client's own flow gets a token (once per
 * client and run, shared with HOK-01 and the refresh scenarios; CODE-01 judges a flow of its own).
 */
export async function requireOwnCodeFlow(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
): Promise<void> {
  const own = await ownGrantTokens(ctx, who);
  if (!isTokenIssued(own)) {
    throw new ScenarioSkip(
      `precondition failed: ${who.client.name}'s own code flow got no token (${describeResult(own.result)}; see CODE-01), so a rejection here would prove nothing`,
    );
  }
}

/**
 * A pushed authorization request (RFC 9126 §2) by `who` with its certificate at the PAR
 * endpoint's alias when there is one, then its authorization with client_id and request_uri
 * (§4): the code, redeemable with the verifier pushed with it.
 */
export async function pushedCode(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
): Promise<IssuedCode> {
  const pkce = pkcePair();
  const state = randomBytes(16).toString('base64url');
  ctx.secret(pkce.verifier);
  ctx.secret(state);
  const pushed = await pushAuthorizationRequest(ctx, {
    label: `pushed authorization request by ${who.client.name} with its certificate`,
    who,
    identity: who.identity,
    pkceChallenge: pkce.challenge,
    state,
  });
  const requestUri = requestUriOf(pushed);
  if (requestUri === undefined) {
    throw new ScenarioFailure(
      `the pushed authorization request by ${who.client.name}, authenticated with its certificate, got no request_uri`,
      { observed: describeResult(pushed) },
    );
  }
  ctx.secret(requestUri);
  return issueCode(ctx, who, { requestUri, verifier: pkce.verifier, state });
}

export function requireParClient(ctx: ScenarioContext): ClientWithIdentity {
  const who = parCodeClient(ctx.target);
  if (who === undefined) {
    throw new ScenarioSkip(NO_PAR_CLIENT);
  }
  return who;
}

import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { describeResult } from './describe.js';
import { ownGrantTokens } from './grant-tokens.js';
import { refreshAccessToken } from './refresh.js';
import { isTokenIssued } from './token.js';

/** A refresh token a client holds and has just redeemed itself, with its own certificate. */
export interface WorkingRefreshToken {
  who: ClientWithIdentity;
  /** The one to use next: the rotated token when the server rotated it. */
  refreshToken: string;
  /** The access token that refresh gave (CODE-01 checks its binding). */
  accessToken: string;
}

/**
 * The refresh token `who` holds, checked to work for `who` with its own certificate (the
 * positive control of HOK-03 and HOK-04): the configured one, whose refresh is the client's
 * token request anyway, or the one its token response carried (an authorization code flow, or
 * a client_credentials response that has one), refreshed once here. Once per run and client.
 */
export async function workingRefreshToken(
  ctx: ScenarioContext,
  who: ClientWithIdentity,
): Promise<WorkingRefreshToken> {
  const { client } = who;
  const tokens = await ownGrantTokens(ctx, who);
  if (!isTokenIssued(tokens)) {
    throw new ScenarioSkip(
      `${client.name} got no token with its own certificate (${describeResult(tokens.result)}; see HOK-01)`,
    );
  }
  if (client.grant.type === 'refresh_token') {
    return {
      who,
      refreshToken: tokens.refreshToken ?? client.grant.refreshToken,
      accessToken: tokens.accessToken,
    };
  }
  const held = tokens.refreshToken;
  if (held === undefined) {
    throw new ScenarioSkip(
      `${client.name} holds no refresh token: its ${client.grant.type} response carried none (configure grant refresh_token with one)`,
    );
  }
  return ctx.shared(`refresh-control:${client.name}`, async (step) => {
    const control = await refreshAccessToken(step, {
      label: `control: refresh by ${client.name} with its certificate`,
      who,
      identity: who.identity,
      refreshToken: held,
    });
    if (!isTokenIssued(control)) {
      throw new ScenarioSkip(
        `${client.name}'s refresh token does not work even with its own certificate (${describeResult(control.result)})`,
      );
    }
    return { who, refreshToken: control.refreshToken ?? held, accessToken: control.accessToken };
  });
}

/**
 * The first of `candidates` that holds a working refresh token; skipped with every reason
 * when none does.
 */
export async function firstWorkingRefreshToken(
  ctx: ScenarioContext,
  candidates: readonly ClientWithIdentity[],
  none: string,
): Promise<WorkingRefreshToken> {
  const reasons: string[] = [];
  for (const who of candidates) {
    try {
      return await workingRefreshToken(ctx, who);
    } catch (err) {
      if (!(err instanceof ScenarioSkip)) throw err;
      reasons.push(err.message);
    }
  }
  throw new ScenarioSkip(reasons.length === 0 ? none : `${none}: ${reasons.join('; ')}`);
}

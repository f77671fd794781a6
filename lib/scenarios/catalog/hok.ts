import type { Target } from '../../target/target.js';
import type { ExchangeResult } from '../../tls/exchange.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { needs } from '../requirements.js';
import { attackerFor, boundClients, type ClientWithIdentity, credentialClients } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { keysOf, type StateKey, stateKeys } from '../server-state.js';
import { audienceMismatch } from '../steps/audience.js';
import { expectBoundTo, readBinding } from '../steps/binding.js';
import { describeResult } from '../steps/describe.js';
import { judgeEachClient } from '../steps/each-client.js';
import { grantTokens, ownGrantTokens, requireOwnGrantTokens } from '../steps/grant-tokens.js';
import { firstWorkingRefreshToken } from '../steps/held-refresh-token.js';
import { oauthError } from '../steps/oauth-error.js';
import { refreshAccessToken } from '../steps/refresh.js';
import { expectTokenRejected, isTokenIssued, requestToken } from '../steps/token.js';
import { expectNoUnboundToken } from '../steps/unbound-token.js';
import { callUserinfo, expectUserinfoRefused, userinfoServes } from '../steps/userinfo.js';

const BOUND = [needs.token, needs.boundClient];

/**
 * The grants HOK works with: each bound client's own tokens (HOK-01's, every other HOK
 * scenario's control) and the refresh tokens they hold and redeem, and (HOK-06) those of every
 * credential client. A refresh may rotate a refresh token or revoke its grant, so the section
 * runs in order wherever a client is shared.
 */
function hokGrants(target: Target): StateKey[] {
  return keysOf(stateKeys.grants, [...boundClients(target), ...credentialClients(target)]);
}

/** Why a client's own token request may have failed, when its credentials are the likely cause. */
function credentialsHint(who: ClientWithIdentity, result: ExchangeResult): string {
  if (oauthError(result)?.error !== 'invalid_client') return '';
  const { client } = who;
  if (client.auth === 'private_key_jwt') {
    const audience = client.assertion?.audience;
    const aud = audience?.kind === 'url' ? audience.url : (audience?.kind ?? 'token_endpoint');
    return `; check that the AS holds this client's key (kid ${client.assertion?.kid ?? '?'}) and accepts its assertion aud (assertion_audience: ${aud}; try issuer or endpoint)`;
  }
  if (client.auth === 'client_secret_basic' || client.auth === 'client_secret_post') {
    return `; check client_secret and that the client is registered for ${client.auth}`;
  }
  return '';
}

/** HOK-03's candidates: a configured refresh token first, it needs no extra flow to use. */
function byRefreshReadiness(clients: readonly ClientWithIdentity[]): ClientWithIdentity[] {
  const rank = (c: ClientWithIdentity) =>
    c.client.grant.type === 'refresh_token'
      ? 0
      : c.client.grant.type === 'authorization_code'
        ? 1
        : 2;
  return [...clients].sort((a, b) => rank(a) - rank(b));
}

/**
 * Whose refresh token HOK-04's thief tries to redeem: every other client that may hold one,
 * a confidential one with another certificate first (a public client's refresh token is bound
 * to its certificate too, RFC 8705 §4, which would hide a missing client check).
 */
function refreshTokenOwners(target: Target, thief: ClientWithIdentity): ClientWithIdentity[] {
  const bound = new Set(boundClients(target).map((c) => c.client));
  const owners = target.clients
    .filter((c) => c.clientId !== thief.client.clientId && c.identity !== undefined)
    .filter((c) => c.grant.type !== 'client_credentials' || bound.has(c))
    .map((client) => ({
      client,
      identity: client.identity as NonNullable<typeof client.identity>,
    }));
  const rank = (c: ClientWithIdentity) =>
    (c.identity.x5tS256 === thief.identity.x5tS256 ? 4 : 0) +
    (c.client.auth === 'none' ? 2 : 0) +
    (c.client.grant.type === 'refresh_token' ? 0 : 1);
  return owners.sort((a, b) => rank(a) - rank(b));
}

/**
 * HOK-05's token: one issued for a user where there is one (a userinfo endpoint usually serves
 * nothing else), served at the userinfo endpoint with its own certificate: the control.
 */
async function servedAtUserinfo(
  ctx: ScenarioContext,
  url: string,
): Promise<{ who: ClientWithIdentity; accessToken: string }> {
  const clients = [...boundClients(ctx.target)].sort(
    (a, b) =>
      Number(a.client.grant.type === 'client_credentials') -
      Number(b.client.grant.type === 'client_credentials'),
  );
  const reasons: string[] = [];
  for (const who of clients) {
    let tokens: Awaited<ReturnType<typeof ownGrantTokens>>;
    try {
      tokens = await ownGrantTokens(ctx, who);
    } catch (err) {
      if (!(err instanceof ScenarioSkip)) throw err;
      reasons.push(`${who.client.name}: ${err.message}`);
      continue;
    }
    if (!isTokenIssued(tokens)) {
      reasons.push(`${who.client.name} got no token (see HOK-01)`);
      continue;
    }
    const own = await callUserinfo(ctx, {
      label: `userinfo with ${who.client.name}'s token and its certificate`,
      url,
      accessToken: tokens.accessToken,
      identity: who.identity,
    });
    if (userinfoServes(own)) return { who, accessToken: tokens.accessToken };
    const diagnosis = audienceMismatch(ctx.target, tokens.accessToken, {
      url,
      what: 'userinfo endpoint',
    });
    reasons.push(
      `${who.client.name}'s token with its certificate: ${describeResult(own)}${diagnosis === undefined ? '' : ` (${diagnosis})`}`,
    );
  }
  throw new ScenarioSkip(
    `precondition failed: the userinfo endpoint served no bound token with the certificate it is bound to (${reasons.join('; ')}); a userinfo endpoint usually serves only tokens issued for a user (scope openid): configure a bound client with grant refresh_token or authorization_code`,
  );
}

export const hokScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'HOK-01',
    title: 'a bound client that authenticates without mTLS gets a token bound to its certificate',
    section: 'HOK',
    level: 'MUST',
    spec: 'RFC 8705 §3, §3.1',
    requires: BOUND,
    expected:
      'each bound client (private_key_jwt, client_secret_basic, client_secret_post or none) with its certificate gets a token whose cnf["x5t#S256"] is that certificate\'s',
    serverState: hokGrants,
    async run(ctx) {
      await judgeEachClient(ctx, boundClients(ctx.target), async (who, part) => {
        const attempt = await ownGrantTokens(part, who);
        if (!isTokenIssued(attempt)) {
          throw new ScenarioFailure(
            `${who.client.name} (${who.client.auth}) with its certificate got no token${credentialsHint(who, attempt.result)}`,
            { observed: describeResult(attempt.result) },
          );
        }
        const binding = await readBinding(part, {
          accessToken: attempt.accessToken,
          label: `introspection to read the binding of ${who.client.name}'s token`,
          caller: who,
        });
        expectBoundTo(part, binding, who.identity, { what: `${who.client.name}'s token` });
      });
    },
  }),
  defineScenario({
    id: 'HOK-02',
    title: 'a bound client without its certificate gets no unbound token',
    section: 'HOK',
    level: 'MUST',
    spec: "FAPI1-ADV 5.2.2-6, FAPI2-SP 5.3.2.1-6 (operator's profile)",
    levelNote:
      'RFC 8705 defines the binding (tls_client_certificate_bound_access_tokens, §3.4); that a bound client gets no token without its certificate is the rule of the FAPI profiles, which a deployment that registers bound clients follows',
    requires: BOUND,
    expected:
      'each bound client with valid credentials and no certificate is rejected (400 invalid_request / invalid_grant / invalid_client, or a TLS refusal); a token without cnf is a failure',
    serverState: hokGrants,
    async run(ctx) {
      await judgeEachClient(ctx, boundClients(ctx.target), async (who, part) => {
        await requireOwnGrantTokens(part, who);
        const attempt = await grantTokens(part, who, {
          label: `token request by ${who.client.name} (grant ${who.client.grant.type}) with its credentials and no client certificate`,
          identity: null,
        });
        await expectNoUnboundToken(part, attempt, who);
      });
    },
  }),
  defineScenario({
    id: 'HOK-03',
    title: 'a refresh by a bound client without its certificate gets no unbound token',
    section: 'HOK',
    level: 'MUST',
    spec: 'RFC 8705 §3, §7.1',
    requires: BOUND,
    expected:
      'the refresh (refresh_token grant) by a bound client with its credentials and no certificate is rejected; no unbound token comes back',
    serverState: hokGrants,
    async run(ctx) {
      const held = await firstWorkingRefreshToken(
        ctx,
        byRefreshReadiness(boundClients(ctx.target)),
        'no bound client holds a refresh token (configure one with grant refresh_token, or grant authorization_code where the AS redirects straight back)',
      );
      const { who } = held;
      const attempt = await refreshAccessToken(ctx, {
        label: `refresh by ${who.client.name} with its credentials and no client certificate`,
        who,
        identity: null,
        refreshToken: held.refreshToken,
      });
      await expectNoUnboundToken(ctx, attempt, who);
      ctx.observed = `${who.client.name}: ${ctx.observed ?? ''}`;
    },
  }),
  defineScenario({
    id: 'HOK-04',
    title: "another client's refresh token is not redeemed for this client",
    section: 'HOK',
    level: 'MUST',
    spec: 'RFC 6749 §6, RFC 8705 §7.1',
    requires: BOUND,
    expected:
      'a bound client, with its own valid credentials and certificate, presenting a refresh token issued to another client is rejected (invalid_grant)',
    // Also the other clients whose refresh token the thief may try.
    serverState: (t) => {
      const thief = boundClients(t).find((c) => c.client.auth !== 'none');
      return [
        ...new Set([
          ...hokGrants(t),
          ...keysOf(stateKeys.grants, thief ? refreshTokenOwners(t, thief) : []),
        ]),
      ];
    },
    async run(ctx) {
      const thieves = boundClients(ctx.target).filter((c) => c.client.auth !== 'none');
      const thief = thieves[0];
      if (thief === undefined) {
        throw new ScenarioSkip(
          'needs a bound client that authenticates (a secret or private_key_jwt)',
        );
      }
      await requireOwnGrantTokens(ctx, thief);
      const held = await firstWorkingRefreshToken(
        ctx,
        refreshTokenOwners(ctx.target, thief),
        `no client other than ${thief.client.name} holds a refresh token (configure one with grant refresh_token, or grant authorization_code where the AS redirects straight back)`,
      );
      const owner = held.who.client.name;
      const attempt = await requestToken(ctx, {
        label: `${thief.client.name} redeems ${owner}'s refresh token with its own credentials and certificate`,
        client: thief.client,
        identity: thief.identity,
        grant: {
          ...ctx.target.tokenParams,
          grant_type: 'refresh_token',
          refresh_token: held.refreshToken,
        },
      });
      try {
        expectTokenRejected(ctx, attempt, { preferredErrors: ['invalid_grant'] });
      } catch (err) {
        if (!(err instanceof ScenarioFailure)) throw err;
        throw new ScenarioFailure(
          `${thief.client.name} redeemed a refresh token issued to ${owner} (${err.message})`,
          { observed: err.observed },
        );
      }
      ctx.observed = `${thief.client.name} with ${owner}'s refresh token: ${ctx.observed ?? ''}`;
      if (oauthError(attempt.result)?.error === 'unauthorized_client') {
        ctx.note(
          `${thief.client.name} may not use the refresh_token grant at all, so the rejection does not show that the server checks whose refresh token it is`,
        );
      }
    },
  }),
  defineScenario({
    id: 'HOK-05',
    title: "the AS's userinfo endpoint refuses a bound token without the bound certificate",
    section: 'HOK',
    level: 'MUST',
    spec: 'RFC 8705 §3',
    requires: [...BOUND, needs.userinfo],
    expected:
      "the bound token is served at userinfo_endpoint (its alias when published) with its certificate, and refused there with another client's certificate and with none (and without one at the conventional endpoint)",
    serverState: hokGrants,
    async run(ctx) {
      const url = ctx.target.mtlsEndpoints.userinfo;
      if (url === undefined) throw new ScenarioSkip('no userinfo_endpoint in metadata or config');
      const { who, accessToken } = await servedAtUserinfo(ctx, url);
      const call = (label: string, at: string, identity: ClientWithIdentity['identity'] | null) =>
        callUserinfo(ctx, { label, url: at, accessToken, identity }).then((result) => ({
          label,
          result,
        }));
      const made = [await call(`${who.client.name}'s token without a certificate`, url, null)];
      const attacker = attackerFor(ctx.target, who.identity);
      if (attacker) {
        made.push(
          await call(
            `${who.client.name}'s token with ${attacker.identity.name}'s certificate`,
            url,
            attacker.identity,
          ),
        );
      } else {
        ctx.note(
          'no second client with its own certificate: the replay with another certificate is not made',
        );
      }
      const conventional = ctx.target.endpoints.userinfo;
      if (conventional !== undefined && conventional !== url) {
        made.push(
          await call(
            `${who.client.name}'s token at the conventional userinfo_endpoint, without a certificate`,
            conventional,
            null,
          ),
        );
      }
      expectUserinfoRefused(ctx, made);
    },
  }),
  defineScenario({
    id: 'HOK-06',
    title:
      'a client registered for a secret or private_key_jwt is not authenticated by its certificate alone',
    section: 'HOK',
    level: 'MUST',
    spec: 'RFC 6749 §2.3',
    requires: [needs.token, needs.credentialClient],
    expected:
      'each such client presenting a trusted certificate and its client_id but no secret or assertion is rejected (invalid_client)',
    serverState: hokGrants,
    async run(ctx) {
      const clients = credentialClients(ctx.target).filter(
        (c) => c.client.grant.type !== 'authorization_code',
      );
      await judgeEachClient(ctx, clients, async (who, part) => {
        await requireOwnGrantTokens(part, who);
        const attempt = await grantTokens(part, who, {
          label: `token request as ${who.client.name} with its certificate and client_id, without its ${who.client.auth === 'private_key_jwt' ? 'client assertion' : 'client secret'}`,
          identity: who.identity,
          withoutCredentials: true,
        });
        expectTokenRejected(part, attempt, { preferredErrors: ['invalid_client'] });
      });
    },
  }),
];

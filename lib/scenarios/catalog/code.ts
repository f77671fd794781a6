import type { Target } from '../../target/target.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { needs, type Requirement } from '../requirements.js';
import { attackerFor, type ClientWithIdentity, codeClient, parCodeClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { keysOf, stateKeys } from '../server-state.js';
import {
  authorizationCodeTokens,
  issueCode,
  redeemCode,
  StateNotReturned,
} from '../steps/authorization-code.js';
import { expectBoundTo, readBinding } from '../steps/binding.js';
import {
  NO_CODE_CLIENT,
  pushedCode,
  requireCodeClient,
  requireOwnCodeFlow,
  requireParClient,
} from '../steps/code-flow.js';
import { describeResult } from '../steps/describe.js';
import { requireAliasObject, requireMetadataDocument } from '../steps/metadata.js';
import { pushAuthorizationRequest, requestUriOf } from '../steps/par.js';
import { refreshAccessToken } from '../steps/refresh.js';
import {
  expectTokenIssued,
  expectTokenRejected,
  isTokenIssued,
  type TokenAttempt,
} from '../steps/token.js';
import { expectNoUnboundToken } from '../steps/unbound-token.js';

const needsCodeClient: Requirement = {
  name: 'code-client',
  missing: (t) => (codeClient(t) ? undefined : NO_CODE_CLIENT),
};

const needsCodeRedeemer: Requirement = {
  name: 'code-redeemer',
  missing: (t) => {
    const a = codeClient(t);
    return a === undefined || attackerFor(t, a.identity) !== undefined
      ? undefined
      : "needs a second client with its own certificate to redeem the code client's code";
  },
};

/**
 * The code flows start grants of the client they log in for, and CODE-02/03 rely on the token of
 * its own flow (shared with HOK-01 and the refresh scenarios): in order with every scenario that
 * redeems or relies on that client's grants. Their logins are the client's browser session,
 * which the login service takes one at a time anyway; the failing redemptions (without the
 * certificate, by another client) are one attempt each, not a burst.
 */
const codeGrants = (t: Target) => keysOf(stateKeys.grants, [codeClient(t)]);

const MTLS_AUTH = new Set(['tls_client_auth', 'self_signed_tls_client_auth']);

/**
 * Who introspects a token of the code client: the client itself where it can authenticate
 * (some servers describe a token only to its own client), else the binding client.
 */
function introspector(who: ClientWithIdentity): ClientWithIdentity | undefined {
  return who.client.auth === 'none' ? undefined : who;
}

/** Where the exchange of a code with the client's certificate gives a token bound to it. */
async function expectBoundExchange(
  ctx: ScenarioContext,
  attempt: TokenAttempt,
  who: ClientWithIdentity,
  what: string,
): Promise<void> {
  const accessToken = expectTokenIssued(attempt, what);
  const caller = introspector(who);
  const binding = await readBinding(ctx, {
    accessToken,
    label: `introspection of the token from ${what}`,
    ...(caller ? { caller } : {}),
  });
  expectBoundTo(ctx, binding, who.identity, { what: `the access token from ${what}` });
}

export const codeScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'CODE-01',
    title:
      'authorization code with PKCE S256: the token (and a refresh) is bound to the certificate',
    section: 'CODE',
    level: 'MUST',
    spec: 'RFC 6749 §4.1, RFC 7636 §4, RFC 8705 §3',
    requires: [needs.token, needsCodeClient],
    expected:
      "a code from the authorization endpoint (login in the browser, PKCE S256, state returned, redirect not followed), exchanged with the client's certificate at the (alias) token endpoint: an access token bound to that certificate; a refresh token, where issued, refreshes to a token bound to it too",
    serverState: codeGrants,
    async run(ctx) {
      const who = requireCodeClient(ctx);
      const what = `the code exchange by ${who.client.name} with its certificate`;
      // A flow of its own, not the one HOK-01 and the refresh scenarios share: those may have
      // spent or revoked that grant by now (a server may revoke a grant on a refresh token
      // presented twice, RFC 6749 §10.4), and CODE-01 judges the flow, not what came after.
      const attempt = await authorizationCodeTokens(ctx, who, {
        identity: who.identity,
        label: what,
      }).catch((err: unknown) => {
        if (!(err instanceof StateNotReturned)) throw err;
        throw new ScenarioFailure(err.message);
      });
      await expectBoundExchange(ctx, attempt, who, what);
      const observed = ctx.observed;
      if (attempt.refreshToken === undefined) {
        ctx.note('the token response carried no refresh_token: the refresh binding is not checked');
        return;
      }
      const refreshed = await refreshAccessToken(ctx, {
        label: `refresh of that refresh token by ${who.client.name} with its certificate`,
        who,
        identity: who.identity,
        refreshToken: attempt.refreshToken,
      });
      if (!isTokenIssued(refreshed)) {
        throw new ScenarioFailure(
          `the refresh token from the code flow gave ${who.client.name} no token with its certificate`,
          { observed: `${observed}; refresh: ${describeResult(refreshed.result)}` },
        );
      }
      const caller = introspector(who);
      const binding = await readBinding(ctx, {
        accessToken: refreshed.accessToken,
        label: `introspection of the token refreshed by ${who.client.name}`,
        ...(caller ? { caller } : {}),
      });
      expectBoundTo(ctx, binding, who.identity, {
        what: `the access token refreshed by ${who.client.name} with its certificate`,
      });
      ctx.observed = `${observed}; after refresh: ${ctx.observed}`;
    },
  }),
  defineScenario({
    id: 'CODE-02',
    title: 'the code exchange without a client certificate gives no usable token',
    section: 'CODE',
    level: 'MUST',
    spec: 'RFC 8705 §2, §3',
    requires: [needs.token, needsCodeClient],
    expected:
      'a fresh code redeemed without the client certificate: rejected (an mTLS-authenticated client), or no token that is not bound (a client using mTLS only for binding)',
    serverState: codeGrants,
    async run(ctx) {
      const who = requireCodeClient(ctx);
      await requireOwnCodeFlow(ctx, who);
      const issued = await issueCode(ctx, who);
      const attempt = await redeemCode(ctx, issued, {
        label: `code exchange by ${who.client.name} without a certificate`,
        client: who.client,
        identity: null,
      });
      if (MTLS_AUTH.has(who.client.auth)) {
        expectTokenRejected(ctx, attempt, { preferredErrors: ['invalid_client'] });
        return;
      }
      await expectNoUnboundToken(ctx, attempt, who);
    },
  }),
  defineScenario({
    id: 'CODE-03',
    title: 'a code issued to one client is not redeemed by another; the code is not usable twice',
    section: 'CODE',
    level: 'MUST',
    spec: 'RFC 6749 §4.1.2, §4.1.3, §10.5',
    requires: [needs.token, needsCodeClient, needsCodeRedeemer],
    expected:
      "client A's code redeemed by client B with B's own certificate and credentials: invalid_grant, no token; afterwards the code gives A no token, or at most one",
    serverState: codeGrants,
    async run(ctx) {
      const a = requireCodeClient(ctx);
      const b = attackerFor(ctx.target, a.identity);
      if (b === undefined) throw new ScenarioSkip('no second client with its own certificate');
      await requireOwnCodeFlow(ctx, a);
      const issued = await issueCode(ctx, a);
      const stolen = await redeemCode(ctx, issued, {
        label: `${a.client.name}'s code redeemed by ${b.client.name} with its own certificate`,
        client: b.client,
        identity: b.identity,
      });
      expectTokenRejected(ctx, stolen, { preferredErrors: ['invalid_grant'] });
      const observed = ctx.observed;
      const redeem = (label: string) =>
        redeemCode(ctx, issued, { label, client: a.client, identity: a.identity });
      const first = await redeem(`the same code redeemed by ${a.client.name} afterwards`);
      if (!isTokenIssued(first)) {
        ctx.observed = `${observed}; then ${a.client.name}: ${describeResult(first.result)}`;
        return;
      }
      const second = await redeem(`the same code redeemed by ${a.client.name} a second time`);
      ctx.observed = `${observed}; then ${a.client.name}: ${describeResult(first.result)}; again: ${describeResult(second.result)}`;
      if (isTokenIssued(second)) {
        throw new ScenarioFailure('the authorization code was redeemed twice', {
          observed: ctx.observed,
        });
      }
      ctx.note(
        `the code another client tried to redeem still gave ${a.client.name} a token (once); RFC 6749 §4.1.2 lets a server revoke it then`,
      );
    },
  }),
  defineScenario({
    id: 'CODE-04',
    title: 'PAR with mTLS client authentication, authorized with request_uri: a bound token',
    section: 'CODE',
    level: 'MUST',
    spec: 'RFC 9126 §2, §4, RFC 8705 §2, §5',
    requires: [needs.token, needs.par, needs.parClient],
    expected:
      "a request pushed with the client's certificate (at the PAR endpoint's alias when published) gives a request_uri; authorized in the browser with it and exchanged with the certificate: a token bound to it; the same push without the certificate gets no request_uri",
    serverState: (t) => keysOf(stateKeys.grants, [parCodeClient(t)]),
    async run(ctx) {
      const who = requireParClient(ctx);
      const issued = await pushedCode(ctx, who);
      const what = `the exchange of the pushed request's code by ${who.client.name} with its certificate`;
      const attempt = await redeemCode(ctx, issued, {
        label: what,
        client: who.client,
        identity: who.identity,
      });
      await expectBoundExchange(ctx, attempt, who, what);
      // The push proves mTLS client authentication at PAR only if the same push without the
      // certificate is refused (RFC 9126 §2: the PAR endpoint authenticates the client).
      const bare = await pushAuthorizationRequest(ctx, {
        label: `the same push as ${who.client.name} without its certificate`,
        who,
        identity: null,
      });
      if (requestUriOf(bare) !== undefined) {
        throw new ScenarioFailure(
          `the PAR endpoint gave a request_uri to a push as ${who.client.name} without its certificate: the push was not authenticated by the certificate (see EP-03)`,
          { observed: describeResult(bare) },
        );
      }
    },
  }),
  defineScenario({
    id: 'CODE-05',
    title: 'the PAR endpoint is among the mTLS endpoint aliases',
    section: 'CODE',
    level: 'SHOULD',
    spec: 'RFC 8705 §5',
    requires: [needs.metadata, needs.aliases],
    expected:
      'where mtls_endpoint_aliases is published and PAR is advertised, pushed_authorization_request_endpoint is one of the aliases',
    serverState: [],
    async run(ctx) {
      const { document } = await requireMetadataDocument(ctx);
      if (typeof document.pushed_authorization_request_endpoint !== 'string') {
        throw new ScenarioSkip('the metadata advertises no pushed_authorization_request_endpoint');
      }
      const aliases = requireAliasObject(document);
      const names = Object.keys(aliases);
      ctx.observed = `mtls_endpoint_aliases: ${names.join(', ') || '(empty)'}`;
      if (typeof aliases.pushed_authorization_request_endpoint !== 'string') {
        throw new ScenarioFailure(
          'pushed_authorization_request_endpoint is advertised but not among mtls_endpoint_aliases: a client authenticating by mTLS has no mTLS address for it',
          { observed: ctx.observed },
        );
      }
    },
  }),
];

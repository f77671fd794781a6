import type { Target } from '../../target/target.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { needs, type Requirement } from '../requirements.js';
import {
  attackerFor,
  bindingClient,
  type ClientWithIdentity,
  publicClient,
  victimClient,
} from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { cnfThumbprint, expectBoundTo, readBinding } from '../steps/binding.js';
import {
  bindingClientOf,
  freshBoundToken,
  requireBoundToken,
  resourceAudienceMismatch,
  resourceWithBoundCertificate,
} from '../steps/bound-token.js';
import { describeResult } from '../steps/describe.js';
import { expectHeadersNotTrusted } from '../steps/header-attribution.js';
import { expectIntrospectionAnswer, introspect } from '../steps/introspection.js';
import { heldRefreshToken, refreshAccessToken } from '../steps/refresh.js';
import { callResource, expectResourceRefused, expectResourceServed } from '../steps/resource.js';
import { expectRevocationAccepted, revokeOwnToken, revokeToken } from '../steps/revocation.js';
import { resourceSetupCause } from '../steps/setup-diagnosis.js';
import { expectTokenRejected, requestToken } from '../steps/token.js';
import { introspectsActive, livenessBefore, resourceServes } from '../steps/token-liveness.js';
import {
  expectAllRefused,
  expectInvalidTokenRefusals,
  isRefusal,
  type Replay,
  type ReplayKind,
  replays,
} from '../steps/token-replay.js';

const BIND_SPEC = 'RFC 8705 §3';

// --- requirements only the BIND scenarios have ---------------------------------------------

const needsAnotherCertificate: Requirement = {
  name: 'second-certificate',
  missing: (t) => {
    const who = bindingClient(t);
    return who && attackerFor(t, who.identity)
      ? undefined
      : 'needs a second client with its own certificate in the config (the replaying attacker)';
  },
};

const needsIntrospectionOrResource: Requirement = {
  name: 'introspection-or-resource',
  missing: (t) =>
    t.mtlsEndpoints.introspection || t.resource
      ? undefined
      : 'needs an introspection_endpoint or a resource (resource.url) to observe whether the token still works',
};

const needsRefreshToken: Requirement = {
  name: 'refresh-token',
  missing: (t) => {
    const pub = publicClient(t);
    if (pub && pub.client.grant.type !== 'client_credentials') return undefined;
    if (t.clients.some((c) => c.grant.type === 'refresh_token' && c.identity)) return undefined;
    return 'the harness holds no refresh token: configure a public client (auth: none) with grant authorization_code, or a client with grant refresh_token';
  },
};

/** A client with its own certificate that can authenticate, other than the token's owner (BIND-13). */
function otherAuthenticatingClient(
  t: Target,
  owner: ClientWithIdentity,
): ClientWithIdentity | undefined {
  const client = t.clients.find(
    (c) =>
      c.identity !== undefined &&
      c.auth !== 'none' &&
      c.clientId !== owner.client.clientId &&
      c.identity.x5tS256 !== owner.identity.x5tS256,
  );
  return client?.identity ? { client, identity: client.identity } : undefined;
}

const needsOtherAuthenticatingClient: Requirement = {
  name: 'second-authenticating-client',
  missing: (t) => {
    const who = bindingClient(t);
    return who && otherAuthenticatingClient(t, who)
      ? undefined
      : 'needs a second client that authenticates with its own certificate (the one attempting the revocation)';
  },
};

/** BIND-03 … BIND-06: one kind of replay each; BIND-09 judges the form of their refusals. */
const REPLAYS = {
  'BIND-03': 'another-client',
  'BIND-04': 'no-certificate',
  'BIND-05': 'untrusted-ca-same-dn',
  'BIND-06': 'forwarded-headers',
} as const satisfies Record<string, ReplayKind>;

function replayScenario(opts: {
  id: keyof typeof REPLAYS;
  title: string;
  requires: readonly Requirement[];
  expected: string;
  spec?: string;
  judge?: (ctx: ScenarioContext) => Promise<void>;
}): Scenario {
  return defineScenario({
    id: opts.id,
    title: opts.title,
    section: 'BIND',
    level: 'MUST',
    spec: opts.spec ?? BIND_SPEC,
    requires: [needs.token, needs.bindingClient, needs.resource, ...opts.requires],
    expected: opts.expected,
    async run(ctx) {
      if (opts.judge) await opts.judge(ctx);
      else expectAllRefused(ctx, await replays(ctx, REPLAYS[opts.id]));
    },
  });
}

const JWT_RESOURCE_NOTE =
  'a resource may validate JWT access tokens locally (signature, expiry, cnf) without asking the AS, so its answer after revocation is INFO for JWT access tokens (CATALOG.md BIND-11)';

const JWT_INTROSPECTION_NOTE =
  "some certified servers answer active: false for JWT access tokens they issued; the resource can check the JWT's own cnf, so introspection is INFO for JWT access tokens (CATALOG.md BIND-07)";

// --- the scenarios -------------------------------------------------------------------------

export const bindScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'BIND-01',
    title: 'access token is bound to the certificate used at the token endpoint',
    section: 'BIND',
    level: 'MUST',
    spec: 'RFC 8705 §3.1',
    requires: [needs.token, needs.bindingClient],
    expected:
      'cnf["x5t#S256"] (JWT claim, or introspection for opaque tokens) equals base64url(SHA-256(DER)) of the certificate',
    async run(ctx) {
      const { who, accessToken } = await requireBoundToken(ctx);
      const binding = await readBinding(ctx, {
        accessToken,
        label: 'introspection to read the binding of the opaque token',
      });
      expectBoundTo(ctx, binding, who.identity, { what: 'the access token' });
    },
  }),
  defineScenario({
    id: 'BIND-02',
    title: 'bound token is served at the resource with the same certificate',
    section: 'BIND',
    level: 'MUST',
    spec: BIND_SPEC,
    requires: [needs.token, needs.bindingClient, needs.resource],
    expected: 'the resource serves the request (HTTP 2xx, the configured expected_status)',
    async run(ctx) {
      const { token, result } = await resourceWithBoundCertificate(ctx);
      try {
        expectResourceServed(ctx, result);
      } catch (err) {
        const diagnosis =
          resourceAudienceMismatch(ctx, token.accessToken) ??
          resourceSetupCause(ctx.target, token.who.identity, result);
        if (!(err instanceof ScenarioFailure) || diagnosis === undefined) throw err;
        throw new ScenarioFailure(`${err.message}; ${diagnosis}`, { observed: err.observed });
      }
    },
  }),
  replayScenario({
    id: 'BIND-03',
    title: "bound-token replay with another client's valid certificate is refused",
    requires: [needsAnotherCertificate],
    expected: 'refused: 401 with WWW-Authenticate: Bearer error="invalid_token"',
  }),
  replayScenario({
    id: 'BIND-04',
    title: 'bound token without a client certificate is refused',
    requires: [],
    expected: 'refused: 401 with WWW-Authenticate: Bearer error="invalid_token"',
  }),
  replayScenario({
    id: 'BIND-05',
    title: "bound token with an untrusted CA's certificate for the victim's subject DN is refused",
    requires: [needs.victim],
    expected: 'refused: the binding is to the certificate thumbprint, not the subject DN',
  }),
  replayScenario({
    id: 'BIND-06',
    title:
      "forwarded-header spoofing: the victim's certificate in a client-sent header is not trusted",
    spec: 'RFC 8705 §3, §7.3',
    requires: [],
    expected:
      "every request (no certificate or the attacker's, plus the victim's certificate in one forwarding header) refused; a header is blamed only where the same request without it (BIND-03, BIND-04) was refused",
    judge: expectHeadersNotTrusted,
  }),
  defineScenario({
    id: 'BIND-07',
    title: 'introspection reports the token active with the same cnf',
    section: 'BIND',
    level: 'MUST',
    spec: 'RFC 8705 §3.2, RFC 7662',
    levelNote:
      'MUST for opaque access tokens; a JWT access token carries its own cnf, so for JWTs this check is INFO',
    requires: [needs.token, needs.bindingClient, needs.introspection],
    expected:
      'introspection (mTLS-authenticated) returns active: true and cnf["x5t#S256"] of the certificate',
    async run(ctx) {
      const token = await requireBoundToken(ctx);
      try {
        const answer = expectIntrospectionAnswer(
          await introspect(ctx, {
            label: `introspection of the bound token by ${token.who.client.name}`,
            caller: token.who,
            token: token.accessToken,
            tokenTypeHint: 'access_token',
          }),
          token.who,
        );
        if (!answer.active) {
          throw new ScenarioFailure('introspection reports the freshly issued token inactive', {
            observed: 'active: false',
          });
        }
        expectBoundTo(
          ctx,
          {
            format: token.format,
            source: 'introspection',
            thumbprint: cnfThumbprint(answer.claims),
          },
          token.who.identity,
          {
            what: 'the token, as introspection describes it,',
          },
        );
        ctx.observed = `active: true, ${ctx.observed ?? ''}`;
      } catch (err) {
        if (err instanceof ScenarioFailure && token.format === 'jwt') {
          throw new ScenarioFailure(err.message, {
            observed: err.observed,
            judgedAs: 'INFO',
            levelNote: JWT_INTROSPECTION_NOTE,
          });
        }
        throw err;
      }
    },
  }),
  defineScenario({
    id: 'BIND-08',
    title:
      'refresh: the new token is bound to the certificate used; another certificate cannot refresh',
    section: 'BIND',
    level: 'MUST',
    spec: 'RFC 8705 §4, §7.1',
    requires: [needs.token, needsRefreshToken],
    expected:
      'the refreshed access token is bound to the certificate used at refresh; for public clients, a refresh with another certificate is rejected',
    async run(ctx) {
      const held = await heldRefreshToken(ctx);
      const { who } = held;
      const refreshed = await refreshAccessToken(ctx, {
        label: `refresh by ${who.client.name} with its certificate`,
        who,
        identity: who.identity,
        refreshToken: held.refreshToken,
      });
      if (
        refreshed.result.kind !== 'response' ||
        refreshed.result.status !== 200 ||
        !refreshed.accessToken
      ) {
        throw new ScenarioSkip(
          `refresh by ${who.client.name} with its own certificate got no token (${describeResult(refreshed.result)}): cannot check the binding of refreshed tokens`,
        );
      }
      // Read as the refreshing client, which some servers alone describe the token to; a
      // public one may not introspect at all.
      const binding = await readBinding(ctx, {
        accessToken: refreshed.accessToken,
        label: 'introspection to read the binding of the refreshed token',
        ...(held.isPublic ? {} : { caller: who }),
      });
      expectBoundTo(ctx, binding, who.identity, { what: 'the refreshed access token' });
      const bound = ctx.observed;
      if (!held.isPublic) {
        ctx.note(
          `the other-certificate refresh applies to public clients only (RFC 8705 §4): ${who.client.name} is not one`,
        );
        return;
      }
      const other = await ctx.identities.selfSignedRekeyed(who.identity);
      const stolen = await refreshAccessToken(ctx, {
        label: `refresh by ${who.client.name} with another certificate (${other.name})`,
        who,
        identity: other,
        refreshToken: refreshed.refreshToken ?? held.refreshToken,
      });
      try {
        expectTokenRejected(ctx, stolen, { preferredErrors: ['invalid_grant', 'invalid_client'] });
      } catch (err) {
        if (!(err instanceof ScenarioFailure)) throw err;
        throw new ScenarioFailure(
          `the refresh token of public client ${who.client.name} is not bound to its certificate: a refresh with another certificate was not rejected (${err.message})`,
          { observed: err.observed },
        );
      }
      ctx.observed = `refreshed token: ${bound}; refresh with another certificate: ${ctx.observed ?? ''}`;
    },
  }),
  defineScenario({
    id: 'BIND-09',
    title: 'every replay refusal is 401 with WWW-Authenticate: Bearer error="invalid_token"',
    section: 'BIND',
    level: 'SHOULD',
    spec: 'RFC 8705 §3, RFC 6750 §3',
    requires: [needs.token, needs.bindingClient, needs.resource],
    expected:
      'every refusal in BIND-03 … BIND-06 is HTTP 401 with WWW-Authenticate: Bearer error="invalid_token"',
    async run(ctx) {
      const refusals: Replay[] = [];
      for (const [id, kind] of Object.entries(REPLAYS)) {
        let made: Replay[];
        try {
          made = await replays(ctx, kind);
        } catch (err) {
          if (!(err instanceof ScenarioSkip)) throw err;
          ctx.note(`${id} not judged here: ${err.message}`);
          continue;
        }
        refusals.push(...made.filter((r) => isRefusal(r.result)));
      }
      if (refusals.length === 0) {
        throw new ScenarioSkip(
          'no refusal to judge: none of the BIND-03 … BIND-06 requests was refused',
        );
      }
      expectInvalidTokenRefusals(ctx, refusals);
    },
  }),
  defineScenario({
    id: 'BIND-10',
    title: 'token_type of a certificate-bound token',
    section: 'BIND',
    level: 'INFO',
    spec: 'RFC 8705 §3, RFC 6750',
    requires: [needs.token, needs.bindingClient],
    expected: 'token_type "Bearer" (certificate binding does not change the token type)',
    async run(ctx) {
      const { tokenType } = await requireBoundToken(ctx);
      ctx.observed =
        tokenType === undefined
          ? 'no token_type in the token response'
          : `token_type: ${tokenType}`;
      if (tokenType?.toLowerCase() !== 'bearer') {
        throw new ScenarioFailure('token_type is not Bearer', { observed: ctx.observed });
      }
    },
  }),
  defineScenario({
    id: 'BIND-11',
    title: 'a revoked token introspects inactive and is refused at the resource',
    section: 'BIND',
    level: 'MUST',
    spec: 'RFC 7009 §2, RFC 7662',
    levelNote:
      "the resource's answer is MUST for opaque access tokens and INFO for JWT access tokens (checked locally by the resource)",
    requires: [needs.token, needs.bindingClient, needs.revocation, needsIntrospectionOrResource],
    expected:
      'after revocation by its own client: introspection active: false; the resource refuses the token',
    async run(ctx) {
      const token = await freshBoundToken(ctx, 'token request for a token to revoke');
      const live = await livenessBefore(ctx, token);
      expectRevocationAccepted(
        await revokeToken(ctx, {
          label: `revocation of the token by its own client ${token.who.client.name}`,
          caller: token.who,
          token: token.accessToken,
          tokenTypeHint: 'access_token',
        }),
      );
      const seen: string[] = [];
      if (live.introspection) {
        if (await introspectsActive(ctx, token, 'introspection after revocation')) {
          throw new ScenarioFailure('the revoked token still introspects active', {
            observed: 'active: true after revocation',
          });
        }
        seen.push('introspection active: false');
      }
      ctx.observed = seen.join('; ');
      if (live.resource) {
        const result = await callResource(ctx, {
          label: 'resource with the revoked token',
          accessToken: token.accessToken,
          identity: token.who.identity,
        });
        try {
          expectResourceRefused(ctx, result);
        } catch (err) {
          if (err instanceof ScenarioFailure && token.format === 'jwt') {
            throw new ScenarioFailure('the resource still serves the revoked JWT access token', {
              observed: err.observed,
              judgedAs: 'INFO',
              levelNote: JWT_RESOURCE_NOTE,
            });
          }
          if (err instanceof ScenarioFailure) {
            throw new ScenarioFailure(
              'the resource still serves the revoked (opaque) access token',
              { observed: err.observed },
            );
          }
          throw err;
        }
        seen.push(`resource: ${describeResult(result)}`);
      }
      ctx.observed = seen.join('; ');
    },
  }),
  defineScenario({
    id: 'BIND-12',
    title: 'rotation: a new certificate gets a token bound to it; the old token keeps its binding',
    section: 'BIND',
    level: 'SHOULD',
    spec: 'RFC 8705 §6.3',
    requires: [needs.token, needs.victim, needs.testCa, needs.victimIssuedByTestCa],
    expected:
      'a token issued over the rotated certificate carries the new thumbprint; the earlier token still carries the old one',
    async run(ctx) {
      const old = await requireBoundToken(ctx);
      const victim = victimClient(ctx.target);
      if (!victim || old.who.identity !== victim.identity) {
        throw new ScenarioSkip(
          "the bound token is not the victim client's: rotation needs the tls_client_auth client registered by subject_dn",
        );
      }
      const rotated = await ctx.identities.victimVariant('rotated');
      const attempt = await requestToken(ctx, {
        label: `token request by ${victim.client.name} with a rotated certificate (same subject, same CA, new key)`,
        client: victim.client,
        identity: rotated,
      });
      if (
        attempt.result.kind !== 'response' ||
        attempt.result.status !== 200 ||
        !attempt.accessToken
      ) {
        throw new ScenarioSkip(
          `the rotated certificate got no token (${describeResult(attempt.result)}): see PKI-01; rotation cannot be checked`,
        );
      }
      const newBinding = await readBinding(ctx, {
        accessToken: attempt.accessToken,
        label: 'introspection of the token issued over the rotated certificate',
      });
      expectBoundTo(ctx, newBinding, rotated, {
        what: 'the token issued over the rotated certificate',
      });
      const newObserved = ctx.observed;
      const oldBinding = await readBinding(ctx, {
        accessToken: old.accessToken,
        label: 'introspection of the earlier token after rotation',
      });
      expectBoundTo(ctx, oldBinding, victim.identity, { what: 'the earlier token' });
      if (ctx.target.resource) {
        const served = await callResource(ctx, {
          label: 'resource with the new token and the rotated certificate',
          accessToken: attempt.accessToken,
          identity: rotated,
        });
        if (!resourceServes(ctx, served)) {
          throw new ScenarioFailure(
            'the resource did not serve the new token with the rotated certificate',
            {
              observed: describeResult(served),
            },
          );
        }
      }
      ctx.observed = `new token: ${newObserved ?? ''}; earlier token: ${ctx.observed ?? ''}`;
    },
  }),
  defineScenario({
    id: 'BIND-13',
    title: 'a revocation request by another client does not revoke the token',
    section: 'BIND',
    level: 'MUST',
    spec: 'RFC 7009 §2.1',
    requires: [
      needs.token,
      needs.bindingClient,
      needs.revocation,
      needsOtherAuthenticatingClient,
      needsIntrospectionOrResource,
    ],
    expected:
      "after another client's revocation request the token still introspects active and is still served",
    async run(ctx) {
      const owner = bindingClientOf(ctx);
      const other = otherAuthenticatingClient(ctx.target, owner);
      if (!other)
        throw new ScenarioSkip('needs a second client that authenticates with its own certificate');
      const token = await freshBoundToken(
        ctx,
        'token request for a token another client will try to revoke',
      );
      const live = await livenessBefore(ctx, token);
      const attempt = await revokeToken(ctx, {
        label: `revocation of ${owner.client.name}'s token by ${other.client.name}`,
        caller: other,
        token: token.accessToken,
        tokenTypeHint: 'access_token',
      });
      const seen = [`${other.client.name}'s revocation request: ${describeResult(attempt)}`];
      if (live.introspection) {
        if (
          !(await introspectsActive(
            ctx,
            token,
            `introspection after ${other.client.name}'s revocation request`,
          ))
        ) {
          throw new ScenarioFailure(
            `${other.client.name} revoked a token issued to ${owner.client.name}`,
            {
              observed: `${seen[0]}; then introspection active: false`,
            },
          );
        }
        seen.push('introspection still active: true');
      }
      if (live.resource) {
        const result = await callResource(ctx, {
          label: `resource with the token after ${other.client.name}'s revocation request`,
          accessToken: token.accessToken,
          identity: token.who.identity,
        });
        if (!resourceServes(ctx, result)) {
          throw new ScenarioFailure(
            `after ${other.client.name}'s revocation request the resource no longer serves ${owner.client.name}'s token`,
            {
              observed: `${seen[0]}; then the resource: ${describeResult(result)}`,
            },
          );
        }
        seen.push('resource still serves it');
      }
      ctx.observed = seen.join('; ');
      await revokeOwnToken(ctx, owner, token.accessToken);
    },
  }),
];

import { isObject } from '../../json-object.js';
import type { Target } from '../../target/target.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { needs, type Requirement } from '../requirements.js';
import { attackerFor, bindingClient, type ClientWithIdentity, parClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { freshBoundToken, requireBoundToken } from '../steps/bound-token.js';
import { describeResult } from '../steps/describe.js';
import { expectIntrospectionAnswer, introspect } from '../steps/introspection.js';
import { pushAuthorizationRequest, requestUriOf } from '../steps/par.js';
import {
  registerMintedPkiClient,
  requireRegisteredClientAuthenticates,
} from '../steps/registered-pki-client.js';
import {
  deleteRegisteredClient,
  registrationRunTag,
  registrationSubject,
} from '../steps/registration.js';
import { manageRegisteredClient } from '../steps/registration-management.js';
import { expectCallsRejected, type MadeCall } from '../steps/rejected-calls.js';
import { callResource } from '../steps/resource.js';
import { revokeOwnToken, revokeToken } from '../steps/revocation.js';
import { expectTokenRejected, requestToken } from '../steps/token.js';
import { introspectsActive, livenessBefore, resourceServes } from '../steps/token-liveness.js';

// EP-06 (TLS 1.0 and 1.1 refused on every mTLS endpoint) is added with the TLS-version checks.

const INVALID_CLIENT = { status: 401, error: 'invalid_client' } as const;

const NO_MTLS_CLIENT =
  'no tls_client_auth or self_signed_tls_client_auth client with a certificate in the config';

/** The owner of the shared bound token when it authenticates by mTLS: whose client_id EP uses. */
function mtlsBindingClient(target: Target): ClientWithIdentity | undefined {
  const who = bindingClient(target);
  const auth = who?.client.auth;
  return auth === 'tls_client_auth' || auth === 'self_signed_tls_client_auth' ? who : undefined;
}

function mtlsTokenOwner(ctx: ScenarioContext): ClientWithIdentity {
  const who = mtlsBindingClient(ctx.target);
  if (who === undefined) throw new ScenarioSkip(NO_MTLS_CLIENT);
  return who;
}

const needsMtlsClient: Requirement = {
  name: 'mtls-client',
  missing: (t) => (mtlsBindingClient(t) ? undefined : NO_MTLS_CLIENT),
};

const needsManagementMtls: Requirement = {
  name: 'registration-management-mtls',
  missing: (t) =>
    t.registration?.managementRequiresMtls === true
      ? undefined
      : "the config does not say RFC 7592 management requires the client's certificate (registration.management_requires_mtls: true, as open-banking profiles do); RFC 7592 itself asks only for the registration access token",
};

/** RFC 7662 §2.2 members that describe a token (an error body may carry anything else). */
const TOKEN_CLAIMS = [
  'scope',
  'client_id',
  'username',
  'token_type',
  'exp',
  'iat',
  'nbf',
  'sub',
  'aud',
  'iss',
  'jti',
  'cnf',
];

/** What an introspection answer gives away about the token. */
function introspectionReveals(body: Record<string, unknown>): string | undefined {
  if (body.active === true) return 'active: true';
  const claims = TOKEN_CLAIMS.filter((k) => body[k] !== undefined);
  return claims.length > 0 ? `claims (${claims.join(', ')})` : undefined;
}

/**
 * A certificate chained to the test CA whose subject no client is registered with: trusted,
 * and matching nobody (EP-01). Undefined without a test CA.
 */
async function unregisteredCertificate(ctx: ScenarioContext): Promise<Identity | undefined> {
  if (ctx.target.testCa === undefined) return undefined;
  const tag = await registrationRunTag(ctx);
  return ctx.identities.issued(`unregistered-${tag}`, registrationSubject(tag, 'unregistered'));
}

export const epScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'EP-01',
    title: 'introspection without client authentication reveals nothing',
    section: 'EP',
    level: 'MUST',
    spec: 'RFC 7662 §2.1, RFC 8705 §2',
    requires: [needs.token, needs.introspection, needsMtlsClient],
    expected:
      "introspection with an mTLS client's client_id and no certificate, or a trusted certificate that matches no client: 401 invalid_client, and no active: true or claims",
    serverState: [],
    async run(ctx) {
      const owner = mtlsTokenOwner(ctx);
      const { accessToken } = await requireBoundToken(ctx);
      // The control: the owner itself is answered, so a refusal below is about authentication.
      const control = expectIntrospectionAnswer(
        await introspect(ctx, {
          label: `control: introspection by ${owner.client.name} with its certificate`,
          caller: owner,
          token: accessToken,
          tokenTypeHint: 'access_token',
        }),
        owner,
      );
      if (!control.active) {
        ctx.note('the control introspection answers active: false (see BIND-07)');
      }
      const call = async (label: string, identity: Identity | null): Promise<MadeCall> => ({
        label,
        result: await introspect(ctx, {
          label,
          caller: owner,
          identity,
          token: accessToken,
          tokenTypeHint: 'access_token',
        }),
      });
      const made = [
        await call(`introspection as ${owner.client.name} without a certificate`, null),
      ];
      const unregistered = await unregisteredCertificate(ctx);
      if (unregistered) {
        made.push(
          await call(
            `introspection as ${owner.client.name} with a trusted certificate that matches no client`,
            unregistered,
          ),
        );
      } else {
        ctx.note(
          'no test_ca: the request with a trusted certificate that matches no client is not made',
        );
      }
      expectCallsRejected(ctx, made, {
        endpoint: 'introspection endpoint',
        preferred: INVALID_CLIENT,
        revealed: introspectionReveals,
      });
    },
  }),
  defineScenario({
    id: 'EP-02',
    title: 'revocation without client authentication is rejected and revokes nothing',
    section: 'EP',
    level: 'MUST',
    spec: 'RFC 7009 §2.1, RFC 8705 §2',
    requires: [needs.token, needs.revocation, needsMtlsClient],
    expected:
      "revocation with an mTLS client's client_id and no certificate: rejected (401 invalid_client), and the token still works",
    // The revocation attempts are on a token obtained for this scenario alone.
    serverState: [],
    async run(ctx) {
      const owner = mtlsTokenOwner(ctx);
      const token = await freshBoundToken(
        ctx,
        'token request for a token revoked without client authentication',
      );
      const live = await livenessBefore(ctx, token);
      const label = `revocation as ${owner.client.name} without a certificate`;
      const attempt = await revokeToken(ctx, {
        label,
        caller: owner,
        identity: null,
        token: token.accessToken,
        tokenTypeHint: 'access_token',
      });
      const rejection: string[] = [];
      try {
        expectCallsRejected(ctx, [{ label, result: attempt }], {
          endpoint: 'revocation endpoint',
          preferred: INVALID_CLIENT,
        });
      } catch (err) {
        if (!(err instanceof ScenarioFailure)) throw err;
        rejection.push(err.message);
      }
      const seen = [`${label}: ${describeResult(attempt)}`];
      if (live.introspection) {
        const active = await introspectsActive(
          ctx,
          token,
          'introspection after the unauthenticated revocation',
        );
        seen.push(`then introspection active: ${active}`);
        if (!active)
          rejection.push('the token was revoked by a request without client authentication');
      }
      if (live.resource) {
        const result = await callResource(ctx, {
          label: 'resource with the token after the unauthenticated revocation',
          accessToken: token.accessToken,
          identity: token.who.identity,
        });
        const served = resourceServes(ctx, result);
        seen.push(`then the resource: ${describeResult(result)}`);
        if (!served && !rejection.some((r) => r.startsWith('the token was revoked'))) {
          rejection.push(
            'the resource no longer serves the token after a revocation request without client authentication',
          );
        }
      }
      ctx.observed = seen.join('; ');
      await revokeOwnToken(ctx, owner, token.accessToken);
      if (rejection.length > 0) {
        throw new ScenarioFailure(rejection.join('; '), { observed: ctx.observed });
      }
    },
  }),
  defineScenario({
    id: 'EP-03',
    title: 'a pushed authorization request needs the client authenticated',
    section: 'EP',
    level: 'MUST',
    spec: 'RFC 9126 §2, RFC 8705 §2, §5',
    requires: [needs.par, needs.parClient],
    expected:
      "a push (to the PAR endpoint's alias when published) without client_id, without a certificate, or with another client's certificate is rejected with no request_uri",
    // A pushed request creates a request_uri nobody else uses.
    serverState: [],
    async run(ctx) {
      const who = parClient(ctx.target);
      if (!who) throw new ScenarioSkip('no mTLS client with a redirect_uri in the config');
      const own = await ctx.shared(`par:control:${who.client.name}`, (step) =>
        pushAuthorizationRequest(step, {
          label: `control: push by ${who.client.name} with its certificate`,
          who,
          identity: who.identity,
        }),
      );
      if (requestUriOf(own) === undefined) {
        throw new ScenarioSkip(
          `precondition failed: ${who.client.name}'s own push got no request_uri (${describeResult(own)}), so a rejection here would prove nothing`,
        );
      }
      const push = async (
        label: string,
        identity: Identity | null,
        clientId?: null,
      ): Promise<MadeCall> => ({
        label,
        result: await pushAuthorizationRequest(ctx, {
          label,
          who,
          identity,
          ...(clientId === null ? { clientId: null } : {}),
        }),
      });
      const noClientId = await push(
        `push with ${who.client.name}'s certificate and no client_id`,
        who.identity,
        null,
      );
      const made = [await push(`push as ${who.client.name} without a certificate`, null)];
      const attacker = attackerFor(ctx.target, who.identity);
      if (attacker) {
        made.push(
          await push(
            `push as ${who.client.name} with ${attacker.identity.name}'s certificate`,
            attacker.identity,
          ),
        );
      } else {
        ctx.note(
          'no second client with its own certificate: the push with another certificate is not made',
        );
      }
      const revealed = (body: Record<string, unknown>) =>
        typeof body.request_uri === 'string' ? 'a request_uri' : undefined;
      const problems: string[] = [];
      for (const [calls, preferred] of [
        [[noClientId], { status: 400, error: 'invalid_request' }],
        [made, INVALID_CLIENT],
      ] as const) {
        try {
          expectCallsRejected(ctx, calls, { endpoint: 'PAR endpoint', preferred, revealed });
        } catch (err) {
          if (!(err instanceof ScenarioFailure)) throw err;
          problems.push(err.message);
        }
      }
      ctx.observed = [noClientId, ...made]
        .map((c) => `${c.label}: ${describeResult(c.result)}`)
        .join('; ');
      if (problems.length > 0)
        throw new ScenarioFailure(problems.join('; '), { observed: ctx.observed });
    },
  }),
  defineScenario({
    id: 'EP-04',
    title: "RFC 7592 management without the client's certificate changes nothing",
    section: 'EP',
    level: 'SHOULD',
    spec: "RFC 7592 §2 (the operator's open-banking profile)",
    requires: [needs.token, needs.registration, needs.testCa, needsManagementMtls],
    expected:
      'GET, PUT and DELETE of the registered client with its registration access token but no certificate, or a look-alike (same subject, another key), are rejected; the client is then unchanged',
    // Manages a client it registers for itself alone; its failing attempts concern that client.
    serverState: [],
    async run(ctx) {
      const tag = await registrationRunTag(ctx);
      const { identity, sent, attempt } = await registerMintedPkiClient(ctx, {
        name: 'ep04-client',
        subjectPurpose: 'EP-04',
        purpose: 'EP-04',
        label: 'register a tls_client_auth client to manage',
      });
      const { registered } = attempt;
      try {
        if (!registered) {
          throw new ScenarioSkip(
            `precondition failed: the registration was not accepted (${describeResult(attempt.result)}; see REG-01)`,
          );
        }
        const { management } = registered;
        if (!management) {
          throw new ScenarioSkip(
            'the registration response has no registration_client_uri and registration_access_token: the client cannot be managed (RFC 7592)',
          );
        }
        const managed = { ...registered, management };
        const control = await manageRegisteredClient(ctx, {
          label: 'control: RFC 7592 read of the registered client with its certificate',
          registered: managed,
          action: 'read',
          identity,
        });
        if (control.kind !== 'response' || control.status !== 200) {
          throw new ScenarioSkip(
            `precondition failed: the client cannot be read with its own certificate and registration access token either (${describeResult(control)}), so a rejection here would prove nothing`,
          );
        }
        const lookAlike = await ctx.identities.selfSignedRekeyed(identity);
        const made: MadeCall[] = [];
        for (const action of ['read', 'update', 'delete'] as const) {
          for (const [who, presented] of [
            ['without a certificate', null],
            [`with a look-alike certificate (${lookAlike.name})`, lookAlike],
          ] as const) {
            const label = `RFC 7592 ${action} of the registered client ${who}`;
            made.push({
              label,
              result: await manageRegisteredClient(ctx, {
                label,
                registered: managed,
                action,
                identity: presented,
                changes: { client_name: `changed by EP-04 ${tag}` },
              }),
            });
          }
        }
        const judged = [];
        try {
          expectCallsRejected(ctx, made, {
            endpoint: 'client configuration endpoint',
            preferred: INVALID_CLIENT,
          });
        } catch (err) {
          if (!(err instanceof ScenarioFailure)) throw err;
          judged.push(err.message);
        }
        const observed = ctx.observed ?? '';
        const after = await manageRegisteredClient(ctx, {
          label: 'RFC 7592 read of the registered client with its certificate, afterwards',
          registered: managed,
          action: 'read',
          identity,
        });
        const body = after.kind === 'response' && isObject(after.json) ? after.json : undefined;
        if (after.kind !== 'response' || after.status !== 200 || body === undefined) {
          judged.push(
            `the client can no longer be read with its own certificate (${describeResult(after)}): it was deleted or changed`,
          );
        } else if (body.client_name !== sent.client_name) {
          judged.push(
            `the client's metadata changed: client_name is now ${JSON.stringify(body.client_name)}`,
          );
        }
        ctx.observed = `${observed}; afterwards with its certificate: ${describeResult(after)}`;
        if (judged.length > 0)
          throw new ScenarioFailure(judged.join('; '), { observed: ctx.observed });
      } finally {
        const problem = await deleteRegisteredClient(ctx, attempt, identity);
        if (problem !== undefined) ctx.note(problem);
      }
    },
  }),
  defineScenario({
    id: 'EP-05',
    title: 'a deleted client no longer gets a token',
    section: 'EP',
    level: 'MUST',
    spec: 'RFC 7592 §2.3',
    requires: [needs.token, needs.registration, needs.testCa],
    expected:
      'after RFC 7592 DELETE of a registered tls_client_auth client, its certificate and client_id are rejected at the token endpoint',
    // After the shared registration flow deleted its client, which nothing registers again.
    serverState: [],
    async run(ctx) {
      const flow = await requireRegisteredClientAuthenticates(ctx);
      if (flow.cleanupProblem !== undefined || flow.client === undefined) {
        throw new ScenarioSkip(
          `precondition failed: the registered client was not deleted (${flow.cleanupProblem ?? 'no client'}; see REG-01)`,
        );
      }
      const client = flow.client;
      const attempt = await ctx.shared('registration:pki-client:after-delete', (step) =>
        requestToken(step, {
          label: 'token request as the deleted client with its certificate',
          client,
          identity: flow.identity,
        }),
      );
      try {
        expectTokenRejected(ctx, attempt, { preferredErrors: ['invalid_client'] });
      } catch (err) {
        if (!(err instanceof ScenarioFailure)) throw err;
        throw new ScenarioFailure(`the deleted client still authenticates (${err.message})`, {
          observed: err.observed,
        });
      }
      ctx.observed = `the deleted client with its certificate: ${ctx.observed ?? ''}`;
    },
  }),
];

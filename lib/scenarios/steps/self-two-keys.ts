/**
 * SELF-08: RFC 8705 §2.2 authenticates a self-signed client when its certificate "matches one
 * of the certificates" registered for it: with two in its jwks, each works, and a third with the
 * same subject does not. The client is the configured scenario_clients.self_signed_two_keys
 * (registered from the cert set's pair) or one registered for the run with the pair's jwks.
 */
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { selfSignedClient } from '../roles.js';
import { requireWorkingClient } from './control.js';
import { describeResult, hasAccessToken } from './describe.js';
import { registeredTargetClient } from './registration.js';
import { describeScenarioClient, withScenarioClient } from './scenario-client.js';
import { expectTokenRejected, requestToken, type TokenAttempt } from './token.js';

const CONFIG_KEY = 'scenario_clients.self_signed_two_keys';

export async function expectEachRegisteredCertificateAuthenticates(
  ctx: ScenarioContext,
): Promise<void> {
  const configured = ctx.target.scenarioClients?.selfSignedTwoKeys;
  const pair = await ctx.identities.depth.selfSignedTwoKeys();
  if (configured && pair.minted) {
    throw new ScenarioSkip(
      `${CONFIG_KEY} is set, but the certs_manifest set has no self-signed-two-keys-1, -2 and -unregistered certificates to present: name the set the client was registered from`,
    );
  }
  // Self-signed authentication works at all (SELF-01): otherwise a refusal says nothing here.
  const single = selfSignedClient(ctx.target);
  if (single) await requireWorkingClient(ctx, single, 'SELF-01');
  await withScenarioClient(
    ctx,
    {
      configured,
      label: 'register a self_signed_tls_client_auth client with two certificates in its jwks',
      metadata: { token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: pair.jwks },
      purpose: 'SELF-08',
      // One of its own certificates: what authenticates as it for RFC 7592 management.
      manageAs: pair.registered[0],
    },
    async (client) => {
      if (client.kind === 'refused') {
        throw new ScenarioSkip(
          `the registration of a self_signed_tls_client_auth client with two jwks keys was refused (${describeResult(client.attempt.result)}); configure ${CONFIG_KEY} to test one registered by hand`,
        );
      }
      const who = describeScenarioClient(client, CONFIG_KEY);
      const attempt = (identity: Identity, what: string) =>
        requestToken(ctx, {
          label: `${what} (${identity.name}) as ${who}`,
          client: registeredTargetClient(client, {
            name: 'two-key self-signed client',
            auth: 'self_signed_tls_client_auth',
            identity,
          }),
          identity,
        });
      const [first, second] = pair.registered;
      const answers = {
        first: await attempt(first, 'the first registered certificate'),
        second: await attempt(second, 'the second registered certificate'),
        third: await attempt(
          pair.unregistered,
          'a third certificate, same subject, not registered',
        ),
      };
      judge(ctx, who, answers, single !== undefined);
    },
  );
}

function judge(
  ctx: ScenarioContext,
  who: string,
  answers: { first: TokenAttempt; second: TokenAttempt; third: TokenAttempt },
  controlled: boolean,
): void {
  const got = (a: TokenAttempt) =>
    a.result.kind === 'response' && a.result.status === 200 && a.accessToken !== undefined;
  const observed = `${who}: first registered certificate → ${got(answers.first) ? 'token issued' : describeResult(answers.first.result)}; second → ${got(answers.second) ? 'token issued' : describeResult(answers.second.result)}; unregistered third → ${describeResult(answers.third.result)}`;
  ctx.observed = observed;
  if (!got(answers.first) && !got(answers.second) && !controlled) {
    throw new ScenarioSkip(
      `neither registered certificate authenticated, and no self_signed_tls_client_auth client is configured to show that self-signed authentication works at all (${observed})`,
    );
  }
  const problems: string[] = [];
  if (!got(answers.first)) problems.push('the first registered certificate got no token');
  if (!got(answers.second)) problems.push('the second registered certificate got no token');
  if (hasAccessToken(answers.third.result)) {
    problems.push('a certificate that is not registered got a token');
  } else {
    try {
      expectTokenRejected(ctx, answers.third);
    } catch (err) {
      if (!(err instanceof ScenarioFailure)) throw err;
      problems.push(`the unregistered certificate: ${err.message}`);
    }
  }
  // expectTokenRejected recorded only the third answer.
  ctx.observed = observed;
  if (problems.length > 0) {
    throw new ScenarioFailure(
      `${problems.join('; ')} (RFC 8705 §2.2: the certificate must match one of those registered)`,
      { observed },
    );
  }
}

/**
 * PKI-18: the subject that authenticates a tls_client_auth client is the leaf's, never that of
 * another certificate of the chain (RFC 8705 §2.1.2: "the certificate" the client presents).
 * Servers get this wrong by matching every certificate of the chain, or the leaf's issuer; both
 * accept a leaf sent with an intermediate whose subject is the registered DN. Two ways to set
 * that up: a client registered with an intermediate CA's subject (configured, or registered for
 * the run), or, with neither, an intermediate minted with the victim's DN as its subject.
 */
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { LEAF_UNDER_VICTIM_NAMED_CA } from '../depth-identities.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { requireWorkingClient } from './control.js';
import { describeResult } from './describe.js';
import { registeredTargetClient } from './registration.js';
import { describeScenarioClient, withScenarioClient } from './scenario-client.js';
import { expectTokenRejected, requestToken, type TokenAttempt } from './token.js';

const CONFIG_KEY = 'scenario_clients.intermediate_subject';

/** Verdict given (passed, or ScenarioFailure thrown), or why this way could not give one. */
type Attempted = { judged: true } | { judged: false; why: string };

export async function expectLeafSubjectMatched(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
): Promise<void> {
  const configured = ctx.target.scenarioClients?.intermediateSubject;
  let first: Attempted;
  if (configured || ctx.target.mtlsEndpoints.registration !== undefined) {
    first = await intermediateSubjectClient(ctx, configured);
    if (first.judged) return;
  } else {
    first = {
      judged: false,
      why: `no ${CONFIG_KEY} in the config and no registration endpoint to register such a client`,
    };
  }
  const second = await victimNamedIntermediate(ctx, victim, first.why);
  if (second.judged) return;
  throw new ScenarioSkip(`${first.why}; ${second.why}`);
}

/** expectTokenRejected, with what was tried in the verdict rather than only the answer. */
function expectRefused(
  ctx: ScenarioContext,
  attack: TokenAttempt,
  words: { observed: string; breach: string },
): void {
  try {
    expectTokenRejected(ctx, attack);
  } catch (err) {
    if (!(err instanceof ScenarioFailure)) throw err;
    throw new ScenarioFailure(`${err.message}: ${words.breach}`, { observed: words.observed });
  }
  ctx.observed = words.observed;
}

function issued(attempt: TokenAttempt): boolean {
  return (
    attempt.result.kind === 'response' &&
    attempt.result.status === 200 &&
    attempt.accessToken !== undefined
  );
}

/**
 * A client registered with the intermediate's DN: a leaf whose own subject is that DN gets a
 * token as it (the control), a leaf sent with the intermediate does not.
 */
async function intermediateSubjectClient(
  ctx: ScenarioContext,
  configured: { clientId: string; subjectDn: string } | undefined,
): Promise<Attempted> {
  const chained = await ctx.identities.depth.leafWithIntermediate(
    configured ? { intermediateDn: configured.subjectDn } : {},
  );
  const dn = configured?.subjectDn ?? chained.intermediateDn;
  // The control leaf: it is the client, so it is also what deletes the client again.
  const own = await ctx.identities.issued('intermediate-subject-leaf', dn);
  return withScenarioClient(
    ctx,
    {
      configured,
      label: `register a tls_client_auth client with the intermediate CA's subject DN (${dn})`,
      metadata: { token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: dn },
      purpose: 'PKI-18',
      manageAs: own,
    },
    async (client): Promise<Attempted> => {
      if (client.kind === 'refused') {
        return {
          judged: false,
          why: `registering a client with the intermediate CA's subject DN was refused (${describeResult(client.attempt.result)})`,
        };
      }
      const who = describeScenarioClient(client, CONFIG_KEY);
      const asClient = (identity: Identity) =>
        registeredTargetClient(client, {
          name: 'intermediate-subject client',
          auth: 'tls_client_auth',
          identity,
          subject: { kind: 'subject_dn', value: dn },
        });
      const control = await requestToken(ctx, {
        label: `control: a leaf whose own subject is ${dn} (from test_ca) as ${who}`,
        client: asClient(own),
        identity: own,
      });
      if (!issued(control)) {
        return {
          judged: false,
          why: `precondition failed: a leaf whose own subject is the registered DN got no token as ${who} (${describeResult(control.result)})`,
        };
      }
      const attack = await requestToken(ctx, {
        label: `a leaf (${chained.identity.subject}) sent with the intermediate ${dn}, as ${who}`,
        client: asClient(chained.identity),
        identity: chained.identity,
      });
      expectRefused(ctx, attack, {
        observed: `${who}, registered with the intermediate CA's subject ${dn}: a leaf of its own subject got a token; the leaf ${chained.identity.subject} sent with that intermediate → ${describeResult(attack.result)}`,
        breach: `the leaf ${chained.identity.subject}, sent with the intermediate ${dn}, authenticated as ${who}, which is registered with the intermediate's subject: a certificate of the chain other than the leaf was matched`,
      });
      return { judged: true };
    },
  );
}

/**
 * The victim's DN as an intermediate's subject: a leaf of another subject under it does not
 * authenticate as the victim, while one with the victim's subject under it does (the control:
 * otherwise an issuer policy turns both away and the check is hidden).
 */
async function victimNamedIntermediate(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
  whyNotFirst: string,
): Promise<Attempted> {
  await requireWorkingClient(ctx, victim, 'PKI-01');
  const { other, control } = await ctx.identities.depth.leavesUnderVictimNamedCa();
  const name = victim.client.name;
  const controlAttempt = await requestToken(ctx, {
    label: `control: ${name}'s subject from an intermediate (under test_ca) whose subject is also ${name}'s DN`,
    client: victim.client,
    identity: control,
  });
  if (!issued(controlAttempt)) {
    return {
      judged: false,
      why: `nor could it be tested with an intermediate CA named like ${name}: a leaf with ${name}'s own subject under it got no token either (${describeResult(controlAttempt.result)}), so the target's issuer policy would hide the subject check`,
    };
  }
  const attack = await requestToken(ctx, {
    label: `${name}'s client_id with a leaf (${LEAF_UNDER_VICTIM_NAMED_CA}) whose issuer's subject is ${name}'s DN`,
    client: victim.client,
    identity: other,
  });
  ctx.note(
    `tested with an intermediate CA minted with ${name}'s DN as its subject, since a client registered with an intermediate's DN could not be used: ${whyNotFirst}`,
  );
  expectRefused(ctx, attack, {
    observed: `${name}'s subject under an intermediate named ${victim.identity.subject} got a token; the leaf ${LEAF_UNDER_VICTIM_NAMED_CA} under it → ${describeResult(attack.result)}`,
    breach: `the leaf ${LEAF_UNDER_VICTIM_NAMED_CA} authenticated as ${name} because its issuer's subject is ${name}'s DN: a certificate of the chain other than the leaf was matched`,
  });
  return { judged: true };
}

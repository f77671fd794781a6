/**
 * PKI-23: a tls_client_auth_subject_dn is a name, not a string (RFC 4517 distinguishedNameMatch):
 * a client registered with the victim's DN in another spelling (spacing, attribute-name case, an
 * OID with the value's hex) authenticates with the victim's certificate. The clients are the
 * configured scenario_clients.dn_spellings, or registered for the run, one spelling at a time.
 */
import { dnEquals, parseDn } from '../../certs/rfc4514.js';
import { quotedJson } from '../../output/quote.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioFailure, ScenarioSkip } from '../outcome.js';
import type { ClientWithIdentity } from '../roles.js';
import { requireWorkingClient } from './control.js';
import { describeResult } from './describe.js';
import { registeredTargetClient } from './registration.js';
import { type ScenarioClient, withScenarioClient } from './scenario-client.js';
import { requestToken } from './token.js';

const CONFIG_KEY = 'scenario_clients.dn_spellings';

interface SpellingOutcome {
  /** "spacing", or the configured entry. */
  what: string;
  dn: string;
  /** A token was issued with the victim's certificate. */
  authenticated: boolean;
  observed: string;
}

export async function expectEquivalentDnsAuthenticate(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
): Promise<void> {
  await requireWorkingClient(ctx, victim, 'PKI-01');
  const configured = ctx.target.scenarioClients?.dnSpellings;
  const outcomes = configured
    ? await configuredSpellings(ctx, victim, configured)
    : await registeredSpellings(ctx, victim);
  const observed = outcomes.map((o) => `${o.what} ${quotedJson(o.dn)}: ${o.observed}`).join('; ');
  ctx.observed = observed;
  const failed = outcomes.filter((o) => !o.authenticated);
  if (failed.length > 0) {
    throw new ScenarioFailure(
      `${victim.client.name}'s certificate did not authenticate as a client registered with its subject DN spelled ${failed.map((o) => o.what).join(', ')} (RFC 4517 distinguishedNameMatch: the same name)`,
      { observed },
    );
  }
}

async function configuredSpellings(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
  configured: ReadonlyArray<{ clientId: string; subjectDn: string }>,
): Promise<SpellingOutcome[]> {
  const subject = parseDn(victim.identity.subject);
  const outcomes: SpellingOutcome[] = [];
  for (const [index, entry] of configured.entries()) {
    const at = `${CONFIG_KEY}[${index}]`;
    if (!dnEquals(parseDn(entry.subjectDn), subject)) {
      throw new ScenarioSkip(
        `${at}.subject_dn ${quotedJson(entry.subjectDn)} is not ${victim.client.name}'s subject DN (${victim.identity.subject}) in another spelling`,
      );
    }
    outcomes.push(
      await authenticateAs(
        ctx,
        victim,
        { kind: 'configured', clientId: entry.clientId },
        {
          what: `client ${entry.clientId} (${at})`,
          dn: entry.subjectDn,
        },
      ),
    );
  }
  return outcomes;
}

async function registeredSpellings(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
): Promise<SpellingOutcome[]> {
  const outcomes: SpellingOutcome[] = [];
  for (const spelling of ctx.identities.depth.victimDnSpellings()) {
    outcomes.push(
      await registeredAs(ctx, victim, { what: spelling.trick, dn: spelling.dn, purpose: 'PKI-23' }),
    );
  }
  if (outcomes.every((o) => o.authenticated)) return outcomes;
  // The lazy control: does a client registered with the DN exactly as openssl prints it work?
  const control = await registeredAs(ctx, victim, {
    what: 'control (as openssl prints it)',
    dn: victim.identity.subject,
    purpose: 'PKI-23 control',
  });
  if (!control.authenticated) {
    throw new ScenarioSkip(
      `precondition failed: a client registered for this run with ${victim.client.name}'s subject DN exactly as openssl prints it did not authenticate with its certificate either (${control.observed}), so the spellings' results prove nothing`,
    );
  }
  return outcomes;
}

async function registeredAs(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
  spelling: { what: string; dn: string; purpose: string },
): Promise<SpellingOutcome> {
  return withScenarioClient(
    ctx,
    {
      configured: undefined,
      label: `register a tls_client_auth client with ${victim.client.name}'s subject DN spelled ${quotedJson(spelling.dn)} (${spelling.what})`,
      metadata: {
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: spelling.dn,
      },
      purpose: spelling.purpose,
    },
    (client) => authenticateAs(ctx, victim, client, spelling),
  );
}

async function authenticateAs(
  ctx: ScenarioContext,
  victim: ClientWithIdentity,
  client: ScenarioClient,
  spelling: { what: string; dn: string },
): Promise<SpellingOutcome> {
  if (client.kind === 'refused') {
    return {
      what: spelling.what,
      dn: spelling.dn,
      authenticated: false,
      observed: `registration refused (${describeResult(client.attempt.result)})`,
    };
  }
  const attempt = await requestToken(ctx, {
    label: `${victim.client.name}'s certificate as client ${client.clientId}, registered with ${quotedJson(spelling.dn)}`,
    client: registeredTargetClient(client, {
      name: `${spelling.what} client`,
      auth: 'tls_client_auth',
      identity: victim.identity,
      subject: { kind: 'subject_dn', value: spelling.dn },
    }),
    identity: victim.identity,
  });
  const authenticated =
    attempt.result.kind === 'response' &&
    attempt.result.status === 200 &&
    attempt.accessToken !== undefined;
  return {
    what: spelling.what,
    dn: spelling.dn,
    authenticated,
    observed: authenticated ? 'token issued' : describeResult(attempt.result),
  };
}

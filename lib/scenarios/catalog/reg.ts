import { dnEquals, parseDn } from '../../certs/rfc4514.js';
import { quotedJson } from '../../output/quote.js';
import type { ScenarioContext } from '../context.js';
import { check, ScenarioFailure, ScenarioSkip } from '../outcome.js';
import { needs } from '../requirements.js';
import { defineScenario, type Scenario } from '../scenario.js';
import { describeResult } from '../steps/describe.js';
import {
  registeredPkiClient,
  requireRegisteredClientAuthenticates,
  requireRegistrationWorks,
} from '../steps/registered-pki-client.js';
import {
  baseClientMetadata,
  expectRegistrationRejected,
  jwkWithoutX5c,
  type RegistrationAttempt,
  registeredTargetClient,
  registrationRunTag,
  registrationSubject,
  withRegistration,
} from '../steps/registration.js';
import { likelySetupCauses } from '../steps/setup-diagnosis.js';
import { expectTokenIssued, expectTokenRejected, requestToken } from '../steps/token.js';

const REG_REQUIRES = [needs.token, needs.registration, needs.testCa];

/** Metadata RFC 8705 §2.1.2 / §2.2.2 says a client must not send; REG-02…04 and REG-06. */
interface FaultyRegistration {
  scenario: 'REG-02' | 'REG-03' | 'REG-04';
  what: string;
  auth: 'tls_client_auth' | 'self_signed_tls_client_auth';
  metadata: Record<string, unknown>;
}

function faultyRegistrations(ctx: ScenarioContext, tag: string): FaultyRegistration[] {
  return [
    {
      scenario: 'REG-02',
      what: 'a tls_client_auth client with two subject parameters',
      auth: 'tls_client_auth',
      metadata: {
        ...baseClientMetadata(ctx, { tag, purpose: 'REG-02' }),
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: registrationSubject(tag, 'two-subjects'),
        tls_client_auth_san_dns: `two-subjects.${tag}.mtls-conformance.invalid`,
      },
    },
    {
      scenario: 'REG-03',
      what: 'a tls_client_auth client with no subject parameter',
      auth: 'tls_client_auth',
      metadata: {
        ...baseClientMetadata(ctx, { tag, purpose: 'REG-03' }),
        token_endpoint_auth_method: 'tls_client_auth',
      },
    },
    {
      scenario: 'REG-04',
      what: 'a self_signed_tls_client_auth client whose jwks has no x5c',
      auth: 'self_signed_tls_client_auth',
      metadata: {
        ...baseClientMetadata(ctx, { tag, purpose: 'REG-04' }),
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [jwkWithoutX5c()] },
      },
    },
  ];
}

function rejectsFaultyRegistration(opts: {
  id: FaultyRegistration['scenario'];
  title: string;
  spec: string;
  expected: string;
}): Scenario {
  return defineScenario({
    id: opts.id,
    title: opts.title,
    section: 'REG',
    level: 'SHOULD',
    spec: opts.spec,
    requires: REG_REQUIRES,
    expected: opts.expected,
    async run(ctx) {
      const { identity } = await requireRegistrationWorks(ctx);
      const tag = await registrationRunTag(ctx);
      const faulty = faultyRegistrations(ctx, tag).find((f) => f.scenario === opts.id);
      if (!faulty) throw new Error(`no faulty registration defined for ${opts.id}`);
      await withRegistration(
        ctx,
        { label: `register ${faulty.what}`, metadata: faulty.metadata, identity },
        (attempt) => expectRegistrationRejected(ctx, attempt, faulty.what),
      );
    },
  });
}

export const regScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'REG-01',
    title: 'registered tls_client_auth client (subject DN) is echoed and gets a token',
    section: 'REG',
    level: 'MUST',
    spec: 'RFC 8705 §2.1.2, RFC 7591 §3.2.1',
    requires: REG_REQUIRES,
    expected:
      'HTTP 201 echoing token_endpoint_auth_method and tls_client_auth_subject_dn; then the new client gets an access token with its certificate',
    async run(ctx) {
      const flow = await registeredPkiClient(ctx);
      if (flow.cleanupProblem) ctx.note(flow.cleanupProblem);
      const { attempt, sent } = flow;
      const registered = attempt.registered;
      check(
        registered !== undefined,
        'the server did not register the client',
        describeResult(attempt.result),
      );
      const echoed = registered.metadata;
      const dn = echoed.tls_client_auth_subject_dn;
      const observed = `HTTP ${statusOf(attempt)}, client_id ${registered.clientId}, token_endpoint_auth_method ${quotedJson(echoed.token_endpoint_auth_method)}, tls_client_auth_subject_dn ${dn === undefined ? '(absent)' : quotedJson(dn)}`;
      ctx.observed = observed;
      check(
        echoed.token_endpoint_auth_method === 'tls_client_auth',
        'the registration response does not echo token_endpoint_auth_method "tls_client_auth" (RFC 7591 §3.2.1: it returns all registered metadata)',
        observed,
      );
      check(
        typeof dn === 'string' && sameDn(dn, String(sent.tls_client_auth_subject_dn)),
        `the registration response does not echo the tls_client_auth_subject_dn that was sent (${quotedJson(sent.tls_client_auth_subject_dn)})`,
        observed,
      );
      if (dn !== sent.tls_client_auth_subject_dn) {
        ctx.note(`the subject DN came back in another (equivalent) form: ${quotedJson(dn)}`);
      }
      check(flow.token !== undefined, 'no token request was made for the new client', observed);
      expectTokenIssued(
        flow.token,
        'the newly registered client with its certificate',
        flow.client === undefined
          ? []
          : likelySetupCauses({
              target: ctx.target,
              client: flow.client,
              identity: flow.identity,
              result: flow.token.result,
            }),
      );
      ctx.observed = `${observed}; then a token was issued with its certificate`;
      if (statusOf(attempt) !== 201) {
        throw new ScenarioFailure(
          `the registration answered HTTP ${statusOf(attempt)}, not 201 Created (RFC 7591 §3.2.1)`,
          {
            observed: ctx.observed,
            judgedAs: 'SHOULD',
            levelNote:
              'a registration that worked but did not answer 201 is judged SHOULD: the client exists and authenticates',
          },
        );
      }
    },
  }),
  rejectsFaultyRegistration({
    id: 'REG-02',
    title: 'tls_client_auth with two subject parameters is refused',
    spec: 'RFC 8705 §2.1.2, RFC 7591 §3.2.2',
    expected: `HTTP 400 invalid_client_metadata, no client registered`,
  }),
  rejectsFaultyRegistration({
    id: 'REG-03',
    title: 'tls_client_auth without a subject parameter is refused',
    spec: 'RFC 8705 §2.1.2, RFC 7591 §3.2.2',
    expected: `HTTP 400 invalid_client_metadata, no client registered`,
  }),
  rejectsFaultyRegistration({
    id: 'REG-04',
    title: 'self_signed_tls_client_auth with a jwks lacking x5c is refused',
    spec: 'RFC 8705 §2.2.2, RFC 7591 §3.2.2',
    expected: 'HTTP 400 (invalid_client_metadata), no client registered',
  }),
  defineScenario({
    id: 'REG-05',
    title: 'tls_client_certificate_bound_access_tokens is echoed',
    section: 'REG',
    level: 'INFO',
    spec: 'RFC 8705 §3.4',
    requires: REG_REQUIRES,
    expected:
      'recorded: the registration response echoes tls_client_certificate_bound_access_tokens: true',
    async run(ctx) {
      const flow = await requireRegistrationWorks(ctx);
      const echoed = flow.attempt.registered?.metadata.tls_client_certificate_bound_access_tokens;
      const observed = `sent tls_client_certificate_bound_access_tokens: true; echoed ${echoed === undefined ? '(absent)' : quotedJson(echoed)}`;
      ctx.observed = observed;
      check(
        echoed === true,
        'the registration response does not echo tls_client_certificate_bound_access_tokens: true',
        observed,
      );
    },
  }),
  defineScenario({
    id: 'REG-06',
    title: 'a client registered with faulty metadata does not accept an unmatched certificate',
    section: 'REG',
    level: 'MUST',
    spec: 'RFC 8705 §2.1.2, §2.2',
    requires: REG_REQUIRES,
    expected:
      'for each faulty registration the server accepted (REG-02/03/04), a trusted certificate that matches none of the registered values gets no token',
    async run(ctx) {
      const { identity: registrar } = await requireRegisteredClientAuthenticates(ctx);
      const tag = await registrationRunTag(ctx);
      // Minted only once a faulty registration is accepted: usually none is.
      const unmatchedCertificate = () =>
        ctx.identities.issued(`reg-unmatched-${tag}`, registrationSubject(tag, 'unmatched'));
      const accepted: string[] = [];
      const answers: string[] = [];
      const breaches: string[] = [];
      for (const faulty of faultyRegistrations(ctx, tag)) {
        await withRegistration(
          ctx,
          {
            label: `register ${faulty.what} (as in ${faulty.scenario})`,
            metadata: faulty.metadata,
            identity: registrar,
          },
          async (attempt) => {
            if (!attempt.registered) return;
            accepted.push(faulty.scenario);
            const unmatched = await unmatchedCertificate();
            const token = await requestToken(ctx, {
              label: `token request as the ${faulty.scenario} client with a trusted certificate matching none of its registered values`,
              client: registeredTargetClient(attempt.registered, {
                name: `${faulty.scenario} registered client`,
                auth: faulty.auth,
                identity: unmatched,
              }),
              identity: unmatched,
            });
            answers.push(`${faulty.scenario} client: ${describeResult(token.result)}`);
            try {
              expectTokenRejected(ctx, token);
            } catch (err) {
              if (!(err instanceof ScenarioFailure)) throw err;
              breaches.push(`${faulty.scenario} client (${err.message})`);
            }
          },
        );
      }
      if (accepted.length === 0) {
        throw new ScenarioSkip(
          'the server rejected all three faulty registrations (REG-02, REG-03, REG-04): no such client to check',
        );
      }
      const observed = `registered despite faulty metadata: ${accepted.join(', ')}; a trusted certificate matching none of the registered values → ${answers.join('; ')}`;
      ctx.observed = observed;
      check(
        breaches.length === 0,
        `a trusted certificate matching none of the registered values was not rejected for the ${breaches.join(', ')}`,
        observed,
      );
    },
  }),
];

function statusOf(attempt: RegistrationAttempt): number | undefined {
  return attempt.result.kind === 'response' ? attempt.result.status : undefined;
}

/** RFC 4514 equality: servers may re-render the DN (spacing, case of attribute types). */
function sameDn(a: string, b: string): boolean {
  try {
    return dnEquals(parseDn(a), parseDn(b));
  } catch {
    return false;
  }
}

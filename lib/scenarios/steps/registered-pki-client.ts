import type { TargetClient } from '../../target/target.js';
import type { Identity } from '../../tls/identity.js';
import type { ScenarioContext } from '../context.js';
import { ScenarioSkip } from '../outcome.js';
import { describeResult } from './describe.js';
import {
  baseClientMetadata,
  deleteRegisteredClient,
  type RegistrationAttempt,
  registerClient,
  registeredTargetClient,
  registrationRunTag,
  registrationSubject,
} from './registration.js';
import { isTokenIssued, requestToken, type TokenAttempt } from './token.js';

/**
 * REG-01's flow, run once and shared: register a tls_client_auth client by the subject DN of a
 * certificate minted for this run, get a token with that certificate, delete the client. It is
 * also the positive control of REG-02…06 (registration works at all; a registered client can
 * authenticate), and the certificate it mints is what the run presents at the registration
 * endpoint (an mTLS alias may insist on one).
 */
export interface PkiRegistration {
  identity: Identity;
  sent: Record<string, unknown>;
  attempt: RegistrationAttempt;
  /** The registered client, as the token steps use it. */
  client?: TargetClient;
  token?: TokenAttempt;
  /** Set when the RFC 7592 DELETE at the end did not succeed (EP-05 needs it to have). */
  cleanupProblem?: string;
}

/**
 * Registers a tls_client_auth client by the subject DN of a certificate minted for it (from
 * the test CA, with a subject no other run uses), presenting that certificate.
 */
export async function registerMintedPkiClient(
  ctx: ScenarioContext,
  opts: { name: string; subjectPurpose: string; purpose: string; label: string },
): Promise<{ identity: Identity; sent: Record<string, unknown>; attempt: RegistrationAttempt }> {
  const tag = await registrationRunTag(ctx);
  const identity = await ctx.identities.issued(
    `${opts.name}-${tag}`,
    registrationSubject(tag, opts.subjectPurpose),
  );
  const sent = {
    ...baseClientMetadata(ctx, { tag, purpose: opts.purpose }),
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: identity.subject,
  };
  const attempt = await registerClient(ctx, { label: opts.label, metadata: sent, identity });
  return { identity, sent, attempt };
}

export function registeredPkiClient(ctx: ScenarioContext): Promise<PkiRegistration> {
  return ctx.shared('registration:pki-client', async (step) => {
    const registration = await registerMintedPkiClient(step, {
      name: 'reg-client',
      subjectPurpose: 'client',
      purpose: 'REG-01',
      label: 'register a tls_client_auth client by tls_client_auth_subject_dn',
    });
    const { identity, attempt } = registration;
    const flow: PkiRegistration = { ...registration };
    try {
      if (attempt.registered) {
        flow.client = registeredTargetClient(attempt.registered, {
          name: 'registered tls_client_auth client',
          auth: 'tls_client_auth',
          identity,
          subject: { kind: 'subject_dn', value: identity.subject },
        });
        flow.token = await requestToken(step, {
          label: 'token request as the newly registered client with its certificate',
          client: flow.client,
          identity,
        });
      }
    } finally {
      const problem = await deleteRegisteredClient(step, attempt, identity);
      if (problem !== undefined) flow.cleanupProblem = problem;
    }
    return flow;
  });
}

/** The control of REG-02…05: a well-formed registration is accepted. */
export async function requireRegistrationWorks(ctx: ScenarioContext): Promise<PkiRegistration> {
  const flow = await registeredPkiClient(ctx);
  if (!flow.attempt.registered) {
    throw new ScenarioSkip(
      `precondition failed: a well-formed tls_client_auth registration was not accepted either (${describeResult(flow.attempt.result)}; see REG-01), so a rejection here would prove nothing`,
    );
  }
  return flow;
}

/**
 * The control of REG-06 and EP-05: a registered client authenticates with the certificate it
 * names.
 */
export async function requireRegisteredClientAuthenticates(
  ctx: ScenarioContext,
): Promise<PkiRegistration> {
  const flow = await requireRegistrationWorks(ctx);
  const token = flow.token;
  if (!token || !isTokenIssued(token)) {
    throw new ScenarioSkip(
      `precondition failed: a client registered by tls_client_auth_subject_dn got no token with its own certificate (${token ? describeResult(token.result) : 'no token request'}; see REG-01), so a rejection here would prove nothing`,
    );
  }
  return flow;
}

/**
 * REGISTER.md: what the operator of the authorization server configures so that the harness's
 * clients work — the CA to trust, then each client with its RFC 8705 metadata, as prose and as
 * the RFC 7591 request body that creates it.
 */
import { FIELD_CAP } from '../output/cap.js';
import { shellQuoted, shown } from '../output/quote.js';
import { registrationMetadata } from './client-metadata.js';
import { registrationUrl } from './mtls-support.js';
import type { OnboardingClient } from './onboarding-clients.js';
import type { OnboardingPlan } from './onboarding-plan.js';

const AUTH_EXPLAINED: Record<string, string> = {
  tls_client_auth:
    'the client authenticates with a certificate issued by a CA the server trusts; the server matches the certificate subject against the registered `tls_client_auth_subject_dn` (RFC 8705 §2.1)',
  self_signed_tls_client_auth:
    'the client authenticates with its own self-signed certificate, registered by value as a JWK with `x5c` (RFC 8705 §2.2)',
  none: 'a public client: no client authentication; it presents its certificate only so its tokens are bound to it (RFC 8705 §4)',
  private_key_jwt:
    'the client authenticates with a JWT it signs with the key in `jwks` (RFC 7523); it still presents its certificate, and the AS must bind its tokens to it (`tls_client_certificate_bound_access_tokens`, RFC 8705 §3.4)',
};

/** The client's registration body, exactly what `register` sends for it. */
export function onboardingRegistrationBody(client: OnboardingClient): Record<string, unknown> {
  return registrationMetadata({
    name: client.name,
    auth: client.auth,
    certDer: client.certificate.der,
    ...(client.subject ? { subject: client.subject } : {}),
    ...(client.assertion ? { assertion: client.assertion } : {}),
    grant: client.grant,
    ...(client.redirectUri === undefined ? {} : { redirectUri: client.redirectUri }),
  });
}

/**
 * A value of the server's as inline Markdown code: escaped and capped, between backtick runs
 * longer than any inside it (CommonMark), so it cannot close the code span and become markup.
 */
function markdownCode(value: string): string {
  const text = shown(value, FIELD_CAP);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longest + 1);
  return `${fence} ${text} ${fence}`;
}

export function renderRegisterMd(plan: OnboardingPlan): string {
  const { pki, support } = plan;
  const registration = registrationUrl(support);
  const out: string[] = [];
  const add = (...more: string[]) => out.push(...more);
  add(
    `# Registering the mtls-conformance clients at ${plan.issuer}`,
    '',
    'The harness needs the authorization server (AS) to trust one CA for client certificates and',
    `to know ${pki.clients.length} clients. This file says exactly what to configure. The private keys stay in`,
    '`certs/` (mode 0600) and never need to leave this machine.',
    '',
  );
  if (registration !== undefined) {
    add(
      '**Shortcut:** the AS has a registration endpoint, so the harness can create the clients itself',
      `(step 2 below, POSTed to ${markdownCode(registration)}):`,
      '',
      '```sh',
      `${plan.command} register --target target.yaml            # --initial-access-token T if the AS wants one`,
      `${plan.command} run --target target.yaml`,
      `${plan.command} register --target target.yaml --cleanup  # delete the clients again (RFC 7592)`,
      '```',
      '',
      '`register` writes the `client_id`s the AS assigns into target.yaml and keeps the originals and',
      'the registration access tokens in `target.registration.json` (mode 0600) for `--cleanup`.',
      `\`${plan.command} run --register --target target.yaml\` does all three in one go. The CA in`,
      'step 1 must still be trusted by the AS.',
      '',
    );
  }
  add(
    '## 1. Trust this CA for client certificates',
    '',
    pki.caMinted
      ? 'A test CA minted for this target. Add it to the trust store the AS (or the TLS-terminating proxy in front of it) uses to verify client certificates:'
      : 'The CA you supplied (`--ca-cert`); the AS should already trust it for client certificates. If not, add it to the trust store the AS (or the TLS-terminating proxy in front of it) uses to verify client certificates:',
    '',
    `- Subject: \`${pki.ca.subject}\``,
    `- SHA-256 thumbprint (x5t#S256): \`${pki.ca.x5tS256}\``,
    `- File: \`${plan.paths.testCa.cert}\``,
    '',
    '```',
    pki.ca.certPem.trimEnd(),
    '```',
    '',
    '## 2. Create the clients',
    '',
    'Each client below asks for certificate-bound access tokens',
    '(`tls_client_certificate_bound_access_tokens: true`, RFC 8705 §3.4). If the AS lets you choose',
    'the `client_id`, use the one given; otherwise put the `client_id` the AS assigns into',
    'target.yaml. The JSON is a ready-to-send RFC 7591 registration request:',
    '',
  );
  if (registration !== undefined) {
    add(
      '```sh',
      `curl ${plan.paths.serverCa === undefined ? '' : `--cacert ${plan.paths.serverCa} `}--cert certs/NAME.pem --key certs/NAME.key.pem \\`,
      // The URL is the server's: quoted, so pasting the command runs curl and nothing else.
      `  -H 'content-type: application/json' --data @body.json ${shellQuoted(registration)}`,
      '```',
      '',
    );
  }
  for (const client of pki.clients) {
    const body = onboardingRegistrationBody(client);
    add(
      `### ${client.name}`,
      '',
      `${client.purpose}.`,
      '',
      `- client_id: \`${client.clientId}\``,
      `- token_endpoint_auth_method: \`${client.auth}\` — ${AUTH_EXPLAINED[client.auth] ?? ''}`,
    );
    if (client.subject !== undefined) {
      add(
        `- tls_client_auth_subject_dn: \`${client.subject.value}\` (issued by \`${client.certificate.issuer}\`)`,
      );
    } else if (client.assertion !== undefined) {
      add(
        `- jwks: the public key of its certificate (kid \`${String(client.assertion.publicJwk.kid)}\`), token_endpoint_auth_signing_alg \`${client.assertion.alg}\`; the assertions' aud is the token endpoint URL (set assertion_audience in target.yaml if the AS expects its issuer)`,
        `- certificate (for binding only): \`${client.certificate.subject}\`, issued by \`${client.certificate.issuer}\`, x5t#S256 \`${client.certificate.x5tS256}\``,
      );
    } else {
      add(
        `- certificate: \`${client.certificate.subject}\`, self-signed, x5t#S256 \`${client.certificate.x5tS256}\``,
      );
    }
    add(`- grant_types: ${(body.grant_types as string[]).map((g) => `\`${g}\``).join(', ')}`);
    if (client.grant.type === 'authorization_code') {
      add(
        `- redirect_uris: \`${client.grant.redirectUri}\` — the harness never follows it; the authorization endpoint approves this client at once (redirects straight back with a code), or shows a login page that a \`login:\` block in target.yaml signs in to (README: Servers with a login page); otherwise the code-flow scenarios this client serves are skipped`,
      );
    } else if (client.redirectUri !== undefined) {
      add(
        `- redirect_uris: \`${client.redirectUri}\` — only for pushed authorization requests (EP-03); the harness never follows it`,
      );
    }
    add(
      '- tls_client_certificate_bound_access_tokens: `true`',
      `- certificate: \`${plan.paths.clients[client.name]?.cert ?? ''}\``,
      '',
      '```json',
      JSON.stringify(body, null, 2),
      '```',
      '',
    );
  }
  add(
    '## 3. Run',
    '',
    '```sh',
    `${plan.command} discover --target target.yaml   # what the harness will use`,
    `${plan.command} run --target target.yaml        # the catalog; reports in ./reports`,
    '```',
    '',
  );
  return out.join('\n');
}

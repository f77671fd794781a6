/**
 * The commented target.yaml init writes. Rendered as text rather than through a YAML library so
 * that every key carries the comment explaining it; values are JSON strings, which YAML reads
 * as the same strings.
 */

import { registrationUrl } from './mtls-support.js';
import type { OnboardingPlan } from './onboarding-plan.js';

const q = (value: string): string => JSON.stringify(value);

export function renderTargetYaml(plan: OnboardingPlan): string {
  const { pki, paths, support } = plan;
  const lines: string[] = [];
  const add = (...more: string[]) => lines.push(...more);
  if (paths.schema !== undefined) add(`# yaml-language-server: $schema=${paths.schema}`, '#');
  add(
    `# Written by \`mtls-conformance init\` for ${plan.issuer}`,
    `# (metadata read from ${plan.metadataUrl}).`,
    '#',
    '# Before the first run, the authorization server must know the clients below. Either',
    '#   - let the harness register them (the server has an RFC 7591 registration endpoint):',
    `#       ${plan.command} register --target target.yaml`,
    '#     which replaces each client_id below with the one the server assigns, keeps the',
    '#     originals and the registration access tokens in target.registration.json (mode 0600),',
    '#     and `register --cleanup` deletes the clients again and puts the originals back;',
    '#   - or create them by hand as REGISTER.md describes, and put the client_id the server',
    '#     assigned into each client below.',
    `# Then: ${plan.command} run --target target.yaml   (or run --register: register, run, clean up)`,
    '#',
    '# Relative paths resolve against the folder of this file.',
    '',
    '# The issuer identifier; metadata is discovered from it (RFC 8414).',
    `issuer: ${q(plan.issuer)}`,
    '',
  );
  if (paths.serverCa !== undefined) {
    add(
      "# The CA that issued the server's TLS certificate (a private staging CA).",
      `server_ca: ${q(paths.serverCa)}`,
      '',
    );
  } else {
    add(
      "# The server's TLS certificate is checked against the system's root CAs.",
      '# server_ca: ./server-ca.pem',
      '',
    );
  }
  add(
    pki.caMinted
      ? '# The test CA minted by init: the server must trust it for client certificates (see REGISTER.md).'
      : '# The CA you gave init (--ca-cert/--ca-key), which the server already trusts for client certificates.',
    '# With its key the harness mints the negative certificates (expired, untrusted issuer, DN tricks …).',
    'test_ca:',
    `  cert: ${q(paths.testCa.cert)}`,
    `  key: ${q(paths.testCa.key)}`,
    '',
    '# Optional: another CA the server also trusts (PKI-16).',
    '# second_trusted_ca:',
    '#   cert: ./second-ca.pem',
    '#   key: ./second-ca.key.pem',
    '',
    '# The clients the harness uses; client_id must be what the server registered.',
    '# The first tls_client_auth client is the "victim" the negative certificates impersonate.',
    'clients:',
  );
  for (const client of pki.clients) {
    const files = paths.clients[client.name];
    if (files === undefined) throw new Error(`no file paths for client ${client.name}`);
    add(
      `  # ${client.purpose}`,
      `  - name: ${q(client.name)}`,
      `    client_id: ${q(client.clientId)}`,
      `    auth: ${client.auth}`,
      '    identity:',
      `      cert: ${q(files.cert)}`,
      `      key: ${q(files.key)}`,
    );
    if (client.subject !== undefined) {
      add(`    ${client.subject.kind}: ${q(client.subject.value)} # exactly as registered`);
    }
    if (client.bound === true) {
      add('    bound: true # registered with tls_client_certificate_bound_access_tokens (HOK)');
    }
    if (client.assertion !== undefined) {
      // The commented key goes first: YAML tools attach comments that end an entry to what follows.
      add(
        '    # The aud of its assertions: token_endpoint (RFC 7523, the default), issuer (FAPI 2),',
        "    # endpoint (each request's URL) or a URL. Change it if the AS refuses them (invalid_client).",
        '    # assertion_audience: issuer',
        `    token_endpoint_auth_signing_alg: ${client.assertion.alg} # its assertions are signed with the identity's key`,
      );
    }
    if (client.grant.type === 'authorization_code') {
      add('    grant: authorization_code', `    redirect_uri: ${q(client.grant.redirectUri)}`);
    } else if (client.redirectUri !== undefined) {
      add(`    redirect_uri: ${q(client.redirectUri)} # for pushed authorization requests (EP-03)`);
    }
  }
  const skipped = (
    ['tls_client_auth', 'self_signed_tls_client_auth', 'none', 'private_key_jwt'] as const
  ).filter((method) => !support.supports[method]);
  if (skipped.length > 0) {
    add(
      `  # No client for ${skipped.join(', ')}: the server does not advertise it in token_endpoint_auth_methods_supported.`,
    );
  }
  add('');
  if (plan.resource !== undefined) {
    add(
      '# A protected resource that accepts these access tokens (BIND scenarios).',
      'resource:',
      `  url: ${q(plan.resource)}`,
      '  method: GET',
      '  expected_status: 200',
      '',
    );
  } else {
    add(
      '# A protected resource that accepts these access tokens: without one the BIND scenarios',
      '# that call a resource are skipped (init --resource URL fills this in).',
      '# resource:',
      '#   url: https://api.example.com/v1/accounts',
      '#   method: GET',
      '#   expected_status: 200',
      '',
    );
  }
  add(...tokenRequestLines(plan));
  add(
    registrationUrl(support) === undefined
      ? '# The server advertises no registration endpoint; REG scenarios are skipped.'
      : '# Dynamic registration (REG scenarios and `register`), when the endpoint needs an initial token.',
    '# registration:',
    '#   initial_access_token: eyJ...',
    '',
  );
  return lines.join('\n');
}

/**
 * token_request: the scope given to init, and the resource as an RFC 8707 resource indicator,
 * which many servers need to put the resource in a JWT's aud. RFC 8707 defines no metadata, so
 * it is written active only where the AS publishes resource_indicators_supported: true, and
 * commented out (with why) elsewhere.
 */
function tokenRequestLines(plan: OnboardingPlan): string[] {
  const lines: string[] = [];
  const resource = plan.resource;
  const activeResource = resource !== undefined && plan.support.resourceIndicators;
  if (plan.scope === undefined && !activeResource) {
    lines.push(
      '# Parameters sent with every token request, when the server needs them.',
      '# token_request:',
      '#   scope: accounts:read',
    );
  } else {
    lines.push('# Sent with every token request.', 'token_request:');
    if (plan.scope !== undefined) lines.push(`  scope: ${q(plan.scope)}`);
    if (activeResource) {
      lines.push(`  resource: ${q(resource)} # RFC 8707: the resource the tokens are for`);
    }
  }
  if (resource !== undefined && !activeResource) {
    lines.push(
      '# The AS does not advertise resource indicators (no resource_indicators_supported; RFC 8707',
      '# defines no metadata). If the resource refuses the tokens because their aud does not name it',
      '# (BIND-02 says so), ask for it in every token request:',
      `#   resource: ${q(resource)}`,
    );
  }
  lines.push('');
  return lines;
}

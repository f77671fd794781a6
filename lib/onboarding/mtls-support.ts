/**
 * What an authorization server's metadata says about RFC 8705, reduced to the facts onboarding
 * needs (which clients to create, where to register them) and rendered in plain words.
 */
import { FIELD_CAP } from '../output/cap.js';
import { shown } from '../output/quote.js';

/** The token endpoint auth methods onboarding creates clients for. */
export type OnboardingAuthMethod =
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none'
  | 'private_key_jwt';

export interface MtlsSupport {
  /** token_endpoint_auth_methods_supported as published (RFC 8414 default: client_secret_basic). */
  authMethods: string[];
  /** Whether the metadata lists the methods at all (absent means client_secret_basic only). */
  authMethodsListed: boolean;
  supports: Record<OnboardingAuthMethod, boolean>;
  /** token_endpoint_auth_signing_alg_values_supported, when listed (RFC 8414 §2). */
  signingAlgs?: string[];
  /** tls_client_certificate_bound_access_tokens (RFC 8705 §3.3). */
  boundTokens: boolean;
  /**
   * resource_indicators_supported: true. RFC 8707 defines no metadata of its own; some servers
   * publish this one, and without it init leaves token_request.resource commented out.
   */
  resourceIndicators: boolean;
  /** mtls_endpoint_aliases entries that are absolute https URLs (RFC 8705 §5). */
  aliases: Record<string, string>;
  endpoints: {
    token?: string;
    registration?: string;
    introspection?: string;
    revocation?: string;
    authorization?: string;
    userinfo?: string;
    par?: string;
  };
  grantTypes: string[];
}

const ENDPOINT_PARAMETERS = {
  token: 'token_endpoint',
  registration: 'registration_endpoint',
  introspection: 'introspection_endpoint',
  revocation: 'revocation_endpoint',
  authorization: 'authorization_endpoint',
  userinfo: 'userinfo_endpoint',
  par: 'pushed_authorization_request_endpoint',
} as const;

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function httpsUrl(value: unknown): string | undefined {
  return typeof value === 'string' && URL.canParse(value) && value.startsWith('https:')
    ? value
    : undefined;
}

export function assessMtlsSupport(metadata: Record<string, unknown>): MtlsSupport {
  const listed = metadata.token_endpoint_auth_methods_supported !== undefined;
  // RFC 8414 §2: omitted means client_secret_basic only.
  const authMethods = listed
    ? strings(metadata.token_endpoint_auth_methods_supported)
    : ['client_secret_basic'];
  const endpoints: MtlsSupport['endpoints'] = {};
  for (const [name, parameter] of Object.entries(ENDPOINT_PARAMETERS)) {
    const url = absoluteUrl(metadata[parameter]);
    if (url !== undefined) endpoints[name as keyof MtlsSupport['endpoints']] = url;
  }
  const aliases: Record<string, string> = {};
  const rawAliases = metadata.mtls_endpoint_aliases;
  if (typeof rawAliases === 'object' && rawAliases !== null && !Array.isArray(rawAliases)) {
    for (const [name, value] of Object.entries(rawAliases)) {
      const url = httpsUrl(value);
      if (url !== undefined) aliases[name] = url;
    }
  }
  const support: MtlsSupport = {
    authMethods,
    authMethodsListed: listed,
    supports: {
      tls_client_auth: authMethods.includes('tls_client_auth'),
      self_signed_tls_client_auth: authMethods.includes('self_signed_tls_client_auth'),
      none: authMethods.includes('none'),
      private_key_jwt: authMethods.includes('private_key_jwt'),
    },
    boundTokens: metadata.tls_client_certificate_bound_access_tokens === true,
    resourceIndicators: metadata.resource_indicators_supported === true,
    aliases,
    endpoints,
    grantTypes:
      metadata.grant_types_supported === undefined
        ? ['authorization_code', 'implicit'] // RFC 8414 §2 default
        : strings(metadata.grant_types_supported),
  };
  if (metadata.token_endpoint_auth_signing_alg_values_supported !== undefined) {
    support.signingAlgs = strings(metadata.token_endpoint_auth_signing_alg_values_supported);
  }
  return support;
}

function absoluteUrl(value: unknown): string | undefined {
  return typeof value === 'string' && URL.canParse(value) ? value : undefined;
}

/** Either mTLS client authentication method is advertised. */
export function advertisesMtlsAuth(support: MtlsSupport): boolean {
  return support.supports.tls_client_auth || support.supports.self_signed_tls_client_auth;
}

/** Where registration requests go: the mTLS alias when there is one (RFC 8705 §5). */
export function registrationUrl(support: MtlsSupport): string | undefined {
  return support.aliases.registration_endpoint ?? support.endpoints.registration;
}

/** Published values, as the findings quote them: escaped, each capped, the list capped too. */
function quotedList(values: readonly string[]): string {
  return shown(values.map((v) => shown(v)).join(', '), FIELD_CAP);
}

/**
 * One finding per line: what is advertised, what is missing and what that means for a run. The
 * values quoted come from the metadata, so they are shown escaped and capped.
 */
export function describeMtlsSupport(support: MtlsSupport): string[] {
  const lines: string[] = [];
  const found = (text: string) => lines.push(`  yes  ${text}`);
  const missing = (text: string) => lines.push(`  no   ${text}`);
  const methods = support.authMethodsListed
    ? `token_endpoint_auth_methods_supported: ${quotedList(support.authMethods) || '(empty)'}`
    : 'token_endpoint_auth_methods_supported is absent (RFC 8414: that means client_secret_basic only)';
  lines.push(`  ${methods}`);
  if (support.supports.tls_client_auth) {
    found(
      'tls_client_auth: clients authenticate with a certificate from a CA the server trusts (RFC 8705 §2.1); two PKI clients are created',
    );
  } else {
    missing(
      'tls_client_auth is not advertised: no PKI clients are created, and the PKI scenarios will be skipped',
    );
  }
  if (support.supports.self_signed_tls_client_auth) {
    found(
      'self_signed_tls_client_auth: a client registers its own certificate (RFC 8705 §2.2); one self-signed client is created',
    );
  } else {
    missing(
      'self_signed_tls_client_auth is not advertised: no self-signed client, the SELF scenarios will be skipped',
    );
  }
  if (support.supports.none) {
    found(
      'none: public clients are allowed; one public client binds its tokens to a certificate (RFC 8705 §4)',
    );
  } else {
    missing('none is not advertised: no public client, PUB-01 will be skipped');
  }
  if (support.supports.private_key_jwt) {
    found(
      'private_key_jwt: one client authenticates with signed assertions (RFC 7523) and asks for tokens bound to its certificate (the HOK scenarios)',
    );
  } else {
    missing(
      'private_key_jwt is not advertised: no client authenticates without mTLS, so HOK runs only with the public client, and HOK-06 is skipped',
    );
  }
  if (support.boundTokens) {
    found(
      'tls_client_certificate_bound_access_tokens is true: access tokens are bound to the client certificate (RFC 8705 §3)',
    );
  } else {
    missing(
      'tls_client_certificate_bound_access_tokens is not true: the server does not say it binds tokens to certificates, so DISC-03 will fail and the BIND scenarios will probably fail too',
    );
  }
  const aliasNames = Object.keys(support.aliases);
  if (aliasNames.length > 0) {
    found(
      `mtls_endpoint_aliases (${quotedList(aliasNames)}): the harness sends every mTLS call there (RFC 8705 §5)`,
    );
  } else {
    lines.push(
      '  --   no mtls_endpoint_aliases: mTLS calls go to the conventional endpoints (fine when they request a client certificate)',
    );
  }
  const registration = registrationUrl(support);
  if (registration !== undefined) {
    found(
      `registration endpoint (RFC 7591) at ${shown(registration, FIELD_CAP)}: \`mtls-conformance register\` can create the clients itself`,
    );
  } else {
    missing(
      'no registration_endpoint: create the clients by hand as REGISTER.md describes; the REG scenarios will be skipped',
    );
  }
  if (support.endpoints.introspection === undefined) {
    missing(
      'no introspection_endpoint: token bindings are read from JWT access tokens only; BIND-07 will be skipped',
    );
  }
  if (support.endpoints.revocation === undefined) {
    missing('no revocation_endpoint: BIND-11 and BIND-13 will be skipped');
  }
  if (support.endpoints.userinfo === undefined) {
    missing('no userinfo_endpoint: HOK-05 will be skipped');
  }
  if (support.endpoints.par === undefined) {
    missing('no pushed_authorization_request_endpoint: EP-03 will be skipped');
  } else {
    found(
      'pushed_authorization_request_endpoint (RFC 9126): client-a is registered with a redirect URI, to push requests for EP-03',
    );
  }
  if (support.endpoints.authorization === undefined) {
    missing(
      'no authorization_endpoint: the public client cannot get tokens, PUB-01 and refresh checks will be skipped',
    );
  }
  return lines;
}

/** The one-line explanation when no mTLS client authentication is advertised at all. */
export function noMtlsAuthProblem(support: MtlsSupport, metadataUrl: string): string {
  const listed = support.authMethodsListed
    ? `token_endpoint_auth_methods_supported lists only ${quotedList(support.authMethods) || 'nothing'}`
    : 'token_endpoint_auth_methods_supported is absent, which RFC 8414 reads as client_secret_basic only';
  return `${metadataUrl}: ${listed}; neither tls_client_auth nor self_signed_tls_client_auth (RFC 8705 §2.1, §2.2) is advertised, so no client of this server can authenticate with a certificate and the PKI and SELF scenarios cannot pass. Enable mutual-TLS client authentication on the authorization server, or pass --allow-no-mtls to write the files anyway`;
}

import { UsageError } from '../errors.js';

/** How the detection matrix must start the reference server for a defect to show. */
export interface DefectServerOptions {
  aliases?: boolean;
  tokenFormat?: 'jwt' | 'opaque';
}

interface DefectEntry {
  readonly name: string;
  /** One line: the realistic bug this switch introduces. */
  readonly description: string;
  /**
   * Catalog IDs whose verdict must become `failed` (MUST) or `warning` (SHOULD) when the server
   * runs with this defect; every other applicable scenario must still pass.
   */
  readonly fails: readonly string[];
  /**
   * The harness does not test such a server at all: every scenario but `fails` is reported as
   * not run, with a reason that says this.
   */
  readonly stopsTheRun?: string;
  readonly serverOptions?: DefectServerOptions;
}

const DEFECT_TABLE = [
  // --- client identification (RFC 8705 §2) ---
  {
    name: 'accept-missing-client-id',
    description:
      'a token request without client_id is accepted: the client is looked up by its certificate',
    fails: ['PKI-02', 'SELF-02', 'EP-03'],
  },
  {
    name: 'identify-client-by-cert-only',
    description:
      'client_id is ignored when a certificate identifies a client: the first client the certificate matches is authenticated',
    fails: [
      'PKI-02',
      'PKI-04',
      'PKI-09',
      'PKI-18',
      'PKI-21',
      'SELF-02',
      'SELF-05',
      'HOK-06',
      'EP-03',
      'CODE-01',
    ],
  },
  {
    name: 'fallback-to-client-id-only',
    description:
      'a request for an mTLS client that presents no certificate is authenticated by client_id alone',
    fails: [
      'PKI-03',
      'PKI-17',
      'SELF-03',
      'SELF-07',
      'EP-01',
      'EP-02',
      'EP-03',
      'CODE-02',
      'CODE-04',
    ],
  },
  // --- tls_client_auth certificate checks (RFC 8705 §2.1) ---
  {
    name: 'skip-chain-validation',
    description:
      'tls_client_auth compares the subject but never validates the chain or its issuer (validity and EKU still checked)',
    fails: ['PKI-05', 'PKI-06', 'PKI-16', 'PKI-19', 'PKI-22', 'EP-04'],
  },
  {
    name: 'accept-self-signed-for-pki',
    description:
      'a self-signed certificate is waved through chain validation for tls_client_auth clients',
    fails: ['PKI-06', 'EP-04'],
  },
  {
    name: 'accept-expired',
    description: 'tls_client_auth ignores notAfter',
    fails: ['PKI-07'],
  },
  {
    name: 'accept-not-yet-valid',
    description: 'tls_client_auth ignores notBefore',
    fails: ['PKI-08'],
  },
  {
    name: 'no-eku-check',
    description:
      'tls_client_auth accepts certificates whose extended key usage excludes clientAuth',
    fails: ['PKI-14'],
  },
  {
    name: 'no-intermediate-chain',
    description:
      'only leaves issued directly by a trusted root are accepted: client-sent intermediates are not used',
    fails: ['PKI-13'],
  },
  {
    name: 'ignore-issuer',
    description:
      'the subject is matched under any trusted CA, not only the CA the client was registered with',
    fails: ['PKI-16'],
  },
  {
    name: 'naive-dn-string-match',
    description:
      'the subject DN is compared as a naive unescaped rendering (type=value joined by commas), so an escaped comma inside a CN matches',
    fails: ['PKI-10'],
  },
  {
    name: 'ignore-extra-rdn',
    description:
      'the subject DN matches when the registered RDNs appear in order among the presented ones (extra RDNs ignored)',
    fails: ['PKI-11'],
  },
  {
    name: 'dn-order-reversed',
    description:
      'the presented subject is compared with its RDNs in encoding order (the x509 string-order trap), so no registered DN ever matches',
    fails: ['PKI-01', 'PKI-13', 'REG-01', 'CODE-01', 'CODE-04'],
  },
  {
    name: 'ignore-subject',
    description:
      'any trusted client certificate authenticates any tls_client_auth client: subject and SANs are not compared',
    fails: ['PKI-04', 'PKI-10', 'PKI-11', 'PKI-15', 'PKI-18', 'PKI-21', 'EP-01', 'EP-03'],
  },
  {
    name: 'san-suffix-match',
    description:
      'a registered SAN matches any presented SAN of the same type that contains it (client.example matches client.example.evil)',
    fails: ['PKI-15', 'PKI-21'],
  },
  {
    name: 'allow-two-auth-methods',
    description:
      'a client_secret (Basic header or body) sent alongside mTLS is ignored instead of rejected',
    fails: ['PKI-12'],
  },
  {
    name: 'as-trust-cert-header',
    description:
      'the token endpoint takes the client certificate from a forwarding header (Client-Cert, X-SSL-Client-Cert, X-Forwarded-Client-Cert …) when one is present',
    fails: ['PKI-17', 'SELF-07'],
  },
  // --- self_signed_tls_client_auth (RFC 8705 §2.2) ---
  {
    name: 'self-signed-requires-ca',
    description:
      'self_signed_tls_client_auth still demands a CA-trusted chain, so registered self-signed certificates are refused',
    fails: ['SELF-01'],
  },
  {
    name: 'self-signed-match-by-subject',
    description:
      'a self-signed certificate matches a registered x5c by subject DN instead of by the certificate itself',
    fails: ['SELF-04', 'SELF-08'],
  },
  {
    name: 'self-signed-accept-any-trusted',
    description:
      'a self_signed_tls_client_auth client also accepts any certificate that chains to a trusted CA',
    fails: ['SELF-05'],
  },
  // --- metadata (RFC 8414, RFC 8705 §3.3, §5) ---
  {
    name: 'wrong-issuer',
    description: 'the metadata issuer carries a trailing slash',
    fails: ['DISC-01'],
    // RFC 8414 §3.3: such metadata must not be used, so nothing else is tested.
    stopsTheRun: 'RFC 8414 §3.3 forbids using such metadata',
  },
  {
    name: 'methods-not-advertised',
    description:
      'token_endpoint_auth_methods_supported omits tls_client_auth and self_signed_tls_client_auth',
    fails: ['DISC-02'],
  },
  {
    name: 'bound-tokens-not-advertised',
    description: 'metadata omits tls_client_certificate_bound_access_tokens',
    fails: ['DISC-03'],
  },
  {
    name: 'aliases-malformed',
    description: 'mtls_endpoint_aliases also holds an unknown endpoint name and a relative URL',
    fails: ['DISC-04', 'DISC-05'],
    serverOptions: { aliases: true },
  },
  {
    name: 'authorization-endpoint-aliased',
    description: 'mtls_endpoint_aliases also aliases authorization_endpoint',
    fails: ['DISC-05'],
    serverOptions: { aliases: true },
  },
  {
    name: 'aliases-not-advertised',
    description:
      'the mTLS listener runs but metadata omits mtls_endpoint_aliases, so clients call endpoints that never ask for a certificate',
    fails: [
      'PKI-01',
      'PKI-13',
      'PKI-15',
      'SELF-01',
      'PUB-01',
      'REG-01',
      'HOK-01',
      'CODE-01',
      'CODE-04',
    ],
    serverOptions: { aliases: true },
  },
  // --- certificate-bound tokens (RFC 8705 §3) ---
  {
    name: 'no-cnf',
    description: 'access tokens are issued without cnf (unbound bearer tokens)',
    fails: [
      'BIND-01',
      'BIND-03',
      'BIND-04',
      'BIND-05',
      'BIND-06',
      'BIND-08',
      'BIND-12',
      'PUB-01',
      'HOK-01',
      'HOK-05',
      'CODE-01',
      'CODE-04',
    ],
  },
  {
    name: 'wrong-cnf',
    description: 'cnf carries x5t#S256 as hex instead of base64url, so the binding never verifies',
    fails: ['BIND-01', 'BIND-02', 'BIND-08', 'BIND-12', 'PUB-01', 'HOK-01', 'CODE-01', 'CODE-04'],
  },
  {
    name: 'public-client-tokens-unbound',
    description: 'tokens issued to public (auth none) clients carry no cnf',
    fails: ['PUB-01', 'BIND-08'],
  },
  {
    name: 'binding-cached-per-client',
    description: 'the thumbprint first seen for a client is reused for all its later tokens',
    fails: ['BIND-12'],
  },
  {
    name: 'refresh-unbound',
    description:
      'refresh tokens of public clients are not bound: another certificate can refresh them',
    fails: ['BIND-08'],
  },
  {
    name: 'introspection-omits-cnf',
    description: 'introspection responses leave out cnf',
    fails: ['BIND-07'],
    serverOptions: { tokenFormat: 'opaque' },
  },
  {
    name: 'revocation-ignored',
    description: 'revocation answers 200 but revokes nothing',
    fails: ['BIND-11'],
    serverOptions: { tokenFormat: 'opaque' },
  },
  {
    name: 'revocation-ignores-client',
    description: 'any authenticated client can revoke any token',
    fails: ['BIND-13'],
  },
  // --- resource server (RFC 8705 §3, RFC 6750 §3) ---
  {
    name: 'rs-ignore-binding',
    description:
      'the resource server accepts a bound token whatever certificate (or none) the connection presents',
    fails: ['BIND-03', 'BIND-04', 'BIND-05', 'BIND-06', 'PUB-01'],
  },
  {
    name: 'rs-allow-missing-cert',
    description:
      'the resource server checks the binding only when the connection presents a certificate',
    fails: ['BIND-04', 'BIND-06'],
  },
  {
    name: 'rs-bind-by-subject',
    description:
      'the resource server compares the subject DN of the presented certificate with the bound one, not the thumbprint',
    fails: ['BIND-05'],
  },
  {
    name: 'rs-trust-cert-header',
    description:
      'the resource server takes the client certificate from a forwarding header when one is present',
    fails: ['BIND-06'],
  },
  {
    name: 'rs-403-instead-of-401',
    description: 'binding failures at the resource answer 403 instead of 401',
    fails: ['BIND-09'],
  },
  {
    name: 'rs-no-www-authenticate',
    description: 'binding failures at the resource answer 401 without WWW-Authenticate',
    fails: ['BIND-09'],
  },
  // --- binding whatever the client authentication (RFC 8705 §3, §3.4, §7.1; RFC 6749 §2.3, §6) ---
  {
    name: 'bound-token-without-certificate',
    description:
      'a client registered with tls_client_certificate_bound_access_tokens that presents no certificate gets an unbound token (any grant)',
    fails: ['HOK-02', 'HOK-03'],
  },
  {
    name: 'bind-only-mtls-clients',
    description:
      'tokens are bound only for clients that authenticate with mTLS: secret and private_key_jwt clients get unbound tokens over their certificate',
    fails: ['HOK-01', 'HOK-05'],
  },
  {
    name: 'refresh-token-any-client',
    description:
      'a refresh token is redeemed for whichever client authenticates, not only the client it was issued to',
    fails: ['HOK-04'],
  },
  {
    name: 'userinfo-ignores-binding',
    description:
      'the userinfo endpoint accepts a bound token whatever certificate (or none) the connection presents',
    fails: ['HOK-05'],
  },
  {
    name: 'secret-client-by-certificate',
    description:
      'a client registered for a secret or private_key_jwt that sends neither is authenticated by any trusted certificate',
    fails: ['HOK-06'],
  },
  // --- dynamic registration (RFC 7591, RFC 8705 §2.1.2, §2.2) ---
  {
    name: 'registration-loses-subject-dn',
    description:
      'registration drops tls_client_auth_subject_dn: it is not echoed and the client can never authenticate',
    fails: ['REG-01'],
  },
  {
    name: 'registration-accepts-two-subjects',
    description:
      'registration accepts two tls_client_auth_* subject parameters (the first one is kept)',
    fails: ['REG-02'],
  },
  {
    name: 'registration-accepts-no-subject',
    description:
      'registration accepts tls_client_auth without a subject parameter, and then any trusted certificate authenticates that client',
    fails: ['REG-03', 'REG-06'],
  },
  {
    name: 'self-signed-registration-without-x5c',
    description: 'registration accepts self_signed_tls_client_auth with a jwks lacking x5c',
    fails: ['REG-04'],
  },
  // --- client authentication at every endpoint that takes it (RFC 7662 §2.1, RFC 7009 §2, RFC 9126 §2, RFC 7592) ---
  // (EP-06, TLS versions, has its defect with the TLS-version checks.)
  {
    name: 'introspection-without-client-auth',
    description:
      'introspection answers any request that names a known client_id, without authenticating the client',
    fails: ['EP-01'],
  },
  {
    name: 'revocation-without-client-auth',
    description:
      'revocation acts on any request that names a known client_id, without authenticating the client',
    fails: ['EP-02'],
  },
  {
    name: 'par-without-client-auth',
    description:
      'the pushed authorization request endpoint accepts any request that names a known client_id, without authenticating the client',
    fails: ['EP-03', 'CODE-04'],
  },
  {
    name: 'registration-management-without-mtls',
    description:
      'RFC 7592 client management takes the registration access token alone, without the client certificate the profile requires',
    fails: ['EP-04'],
  },
  {
    name: 'deleted-client-still-accepted',
    description:
      'RFC 7592 DELETE answers 204 but the deleted client still authenticates at the token endpoint',
    fails: ['EP-05'],
  },
  // --- authorization code and PAR (RFC 6749 §4.1.3, RFC 9126 §2, RFC 8705 §2, §3, §5; issue 17) ---
  {
    name: 'code-without-certificate',
    description:
      'the code exchange takes PKCE as proof enough: a code is redeemed by client_id and code_verifier without the client certificate, and the token comes back unbound',
    fails: ['CODE-02'],
  },
  {
    name: 'code-redeemable-by-other-client',
    description:
      'the code exchange checks the code, redirect_uri and PKCE but not which client the code was issued to: another authenticated client redeems it',
    fails: ['CODE-03'],
  },
  {
    name: 'par-client-auth-optional',
    description:
      'client authentication at the pushed authorization request endpoint is optional: a push with no certificate, secret or assertion is taken for the client_id it names (wrong credentials are still refused)',
    fails: ['EP-03', 'CODE-04'],
  },
  {
    name: 'par-not-aliased',
    description:
      'mtls_endpoint_aliases leaves out pushed_authorization_request_endpoint, so mTLS clients push to the main listener, which asks for no certificate',
    fails: ['CODE-04', 'CODE-05'],
    serverOptions: { aliases: true },
  },
  // --- validation depth (issue 16) ---
  {
    name: 'subject-matched-against-chain',
    description:
      'tls_client_auth_subject_dn matches when any certificate of the chain (an intermediate, the CA) has that subject, not only the leaf',
    fails: ['PKI-18'],
  },
  {
    name: 'no-basic-constraints-check',
    description:
      'the server walks the client chain itself (issuer names and signatures up to a trust anchor) and never checks that an issuer is a CA (basicConstraints)',
    fails: ['PKI-19'],
  },
  {
    name: 'ignore-critical-extensions',
    description:
      'unknown critical extensions are ignored: the server walks the chain itself and does not look at them (RFC 5280 §4.2 says reject)',
    fails: ['PKI-20'],
  },
  {
    name: 'names-cut-at-nul',
    description:
      'names are compared as C strings: a subject attribute or SAN value ends at its first NUL byte',
    fails: ['PKI-21'],
  },
  {
    name: 'names-folded-to-ascii',
    description:
      'names are transliterated to ASCII before comparing (a lax normaliser), so a Cyrillic look-alike letter matches its Latin twin',
    fails: ['PKI-21'],
  },
  {
    name: 'trust-by-issuer-name',
    description:
      'the server walks the client chain itself by issuer and subject names up to a trust anchor and never verifies a signature',
    fails: ['PKI-22'],
  },
  {
    name: 'dn-string-compare',
    description:
      "tls_client_auth_subject_dn is compared as a string with the certificate subject's RFC 4514 rendering, so an equivalent spelling never matches",
    fails: ['PKI-23'],
  },
  {
    name: 'self-signed-first-cert-only',
    description:
      'a self_signed_tls_client_auth client is matched only against the first certificate in its jwks',
    fails: ['SELF-08'],
  },
  {
    name: 'legacy-tls-enabled',
    description:
      'the listeners still accept TLS 1.0 and 1.1 (minVersion TLSv1 at OpenSSL security level 0, "for old clients")',
    fails: ['EP-06'],
  },
] as const satisfies readonly DefectEntry[];

export type DefectName = (typeof DEFECT_TABLE)[number]['name'];

export interface DefectInfo extends DefectEntry {
  readonly name: DefectName;
}

/**
 * The defect registry: each entry is a bug that real deployments have, switched on by name. The
 * reference server consults the set of enabled names at the one place the bug lives.
 */
export const DEFECTS: readonly DefectInfo[] = DEFECT_TABLE;

/** The defects a server runs with; a plain set keeps every check a one-word question. */
export type Defects = ReadonlySet<DefectName>;

export function isDefectName(name: string): name is DefectName {
  return DEFECTS.some((defect) => defect.name === name);
}

export function defectInfo(name: DefectName): DefectInfo {
  const info = DEFECTS.find((defect) => defect.name === name);
  if (info === undefined) throw new UsageError(`unknown defect "${name}"`);
  return info;
}

/** Validates user-given names; an unknown one is a usage error that lists the valid names. */
export function parseDefects(names: readonly string[]): DefectName[] {
  const unknown = names.filter((name) => !isDefectName(name));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown defect${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `"${n}"`).join(', ')} ` +
        `(valid: ${DEFECTS.map((d) => d.name).join(', ')})`,
    );
  }
  return [...new Set(names as DefectName[])];
}

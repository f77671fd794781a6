/**
 * The harness's own clients for a new target: two PKI clients (the victim and the attacker of
 * the negative scenarios), a PKI client for the authorization code flow, one self-signed
 * client, one public client that uses its certificate only to bind tokens, and one
 * private_key_jwt client with certificate-bound tokens (HOK).
 * Which of them exist follows what the server advertises.
 */
import { createPrivateKey, randomBytes } from 'node:crypto';
import { type KeyType, type MintedCert, mintCa, mintLeaf } from '../certs/mint.js';
import { assertionPublicJwk } from '../target/assertion-signer.js';
import type { AssertionAlgorithm, AuthMethod, Grant, SubjectMatch } from '../target/target.js';
import type { OnboardingAuthMethod } from './mtls-support.js';

export interface OnboardingClient {
  /** The name in target.yaml and the file stem of its certificate and key. */
  name: string;
  /** Until registration: the client_id to ask for (or to replace with the one the AS assigns). */
  clientId: string;
  auth: AuthMethod;
  certificate: MintedCert;
  subject?: SubjectMatch;
  grant: Grant;
  /** Written as `bound: true`: registered for certificate-bound tokens, judged by HOK. */
  bound?: boolean;
  /** A redirect URI registered besides client_credentials: for PAR (EP-03). */
  redirectUri?: string;
  /** private_key_jwt: the algorithm and the public key to register (its certificate's key). */
  assertion?: { alg: AssertionAlgorithm; publicJwk: Record<string, unknown> };
  /** What this client is for, one sentence for REGISTER.md and the YAML comment. */
  purpose: string;
}

export interface OnboardingPki {
  /** The CA the server must trust for the PKI clients. */
  ca: MintedCert;
  /** false: the operator's CA (--ca-cert/--ca-key), true: a test CA minted here. */
  caMinted: boolean;
  clients: OnboardingClient[];
  /** Random per init: keeps subjects and client_ids apart from an earlier onboarding's. */
  tag: string;
}

export const TEST_CA_SUBJECT_PREFIX = 'CN=mtls-conformance test CA';

export interface OnboardingPkiOptions {
  /** Absent: a fresh test CA is minted. */
  ca?: MintedCert;
  methods: Record<OnboardingAuthMethod, boolean>;
  redirectUri: string;
  /** The server's token_endpoint_auth_signing_alg_values_supported, when it lists them. */
  signingAlgs?: readonly string[];
  /** The server has a PAR endpoint: client-a also registers the redirect URI (EP-03). */
  pushedAuthorization?: boolean;
  /**
   * The server has an authorization endpoint and the authorization_code grant: a
   * tls_client_auth client of its own logs in for the code flow (CODE, and the refresh tokens
   * BIND-08 and HOK-04 redeem), so that the flow runs where public clients are not allowed.
   */
  codeFlow?: boolean;
  keyType?: KeyType;
  tag?: string;
}

/**
 * The private_key_jwt client's algorithm and key type: ES256 (P-256, the fast default) unless
 * the server lists algorithms without it, then PS256 or RS256 over an RSA key.
 */
function assertionAlgorithm(supported: readonly string[] | undefined): {
  alg: AssertionAlgorithm;
  keyType: KeyType;
} {
  if (supported === undefined || supported.includes('ES256'))
    return { alg: 'ES256', keyType: 'ec' };
  if (supported.includes('PS256')) return { alg: 'PS256', keyType: 'rsa' };
  if (supported.includes('RS256')) return { alg: 'RS256', keyType: 'rsa' };
  return { alg: 'ES256', keyType: 'ec' };
}

function pkiSubject(name: string, tag: string): string {
  return `CN=${name},OU=mtls-conformance ${tag},O=mtls-conformance`;
}

export async function mintOnboardingPki(opts: OnboardingPkiOptions): Promise<OnboardingPki> {
  const tag = opts.tag ?? randomBytes(3).toString('hex');
  const keyType = opts.keyType ?? 'ec';
  const ca =
    opts.ca ??
    (await mintCa({ subject: `${TEST_CA_SUBJECT_PREFIX} ${tag},O=mtls-conformance`, keyType }));
  const clientId = (name: string) => `mtls-conformance-${name}-${tag}`;
  const pending: Array<Promise<OnboardingClient>> = [];
  if (opts.methods.tls_client_auth) {
    const purposes = {
      'client-a':
        'PKI client (RFC 8705 §2.1); the negative certificates impersonate it (same subject from an untrusted CA, expired, DN tricks…)',
      'client-b':
        'a second PKI client: plays the attacker whose own valid certificate must not work for client-a',
    };
    for (const [name, purpose] of Object.entries(purposes)) {
      const pushes = name === 'client-a' && opts.pushedAuthorization === true;
      pending.push(
        mintLeaf({ subject: pkiSubject(name, tag), issuer: ca, keyType }).then((certificate) => ({
          name,
          clientId: clientId(name),
          auth: 'tls_client_auth',
          certificate,
          subject: { kind: 'subject_dn', value: certificate.subject },
          grant: { type: 'client_credentials' },
          ...(pushes ? { redirectUri: opts.redirectUri } : {}),
          purpose: pushes
            ? `${purpose}; also registered for the authorization code grant, to push authorization requests (EP-03)`
            : purpose,
        })),
      );
    }
  }
  if (opts.methods.tls_client_auth && opts.codeFlow === true) {
    pending.push(
      mintLeaf({ subject: pkiSubject('code-client', tag), issuer: ca, keyType }).then(
        (certificate) => ({
          name: 'code-client',
          clientId: clientId('code-client'),
          auth: 'tls_client_auth',
          certificate,
          subject: { kind: 'subject_dn', value: certificate.subject },
          grant: { type: 'authorization_code', redirectUri: opts.redirectUri },
          purpose:
            'PKI client (RFC 8705 §2.1) for the authorization code flow: the CODE scenarios log in for it (a login: block where the server shows a login page) and redeem its codes with its certificate',
        }),
      ),
    );
  }
  if (opts.methods.self_signed_tls_client_auth) {
    pending.push(
      mintLeaf({ subject: pkiSubject('self-signed', tag), keyType }).then((certificate) => ({
        name: 'self-signed',
        clientId: clientId('self-signed'),
        auth: 'self_signed_tls_client_auth',
        certificate,
        grant: { type: 'client_credentials' },
        purpose:
          'self-signed client (RFC 8705 §2.2): the server holds exactly this certificate in its jwks',
      })),
    );
  }
  if (opts.methods.none) {
    pending.push(
      mintLeaf({ subject: pkiSubject('public', tag), keyType }).then((certificate) => ({
        name: 'public',
        clientId: clientId('public'),
        auth: 'none',
        certificate,
        grant: { type: 'authorization_code', redirectUri: opts.redirectUri },
        bound: true,
        purpose:
          'public client (RFC 8705 §4): no client authentication, its self-signed certificate only binds its tokens; its code flow needs the authorization endpoint to redirect straight back, or a login: block for the login page',
      })),
    );
  }
  if (opts.methods.private_key_jwt) {
    const { alg, keyType: jwtKeyType } = assertionAlgorithm(opts.signingAlgs);
    pending.push(
      mintLeaf({ subject: pkiSubject('jwt-client', tag), issuer: ca, keyType: jwtKeyType }).then(
        async (certificate) => ({
          name: 'jwt-client',
          clientId: clientId('jwt-client'),
          auth: 'private_key_jwt',
          certificate,
          grant: { type: 'client_credentials' },
          bound: true,
          assertion: {
            alg,
            publicJwk: await assertionPublicJwk(createPrivateKey(certificate.keyPem), alg),
          },
          purpose: `private_key_jwt client (RFC 7523, ${alg}, signed with its certificate's key) with certificate-bound tokens: HOK checks its tokens are bound to the certificate it presents, and that it gets none without it`,
        }),
      ),
    );
  }
  return { ca, caMinted: opts.ca === undefined, clients: await Promise.all(pending), tag };
}

/**
 * The harness's own clients for a new target: two PKI clients (the victim and the attacker of
 * the negative scenarios), one self-signed client and one public client that uses its
 * certificate only to bind tokens. Which of them exist follows what the server advertises.
 */
import { randomBytes } from 'node:crypto';
import { type KeyType, type MintedCert, mintCa, mintLeaf } from '../certs/mint.js';
import type { AuthMethod, Grant, SubjectMatch } from '../target/target.js';
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
  keyType?: KeyType;
  tag?: string;
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
      pending.push(
        mintLeaf({ subject: pkiSubject(name, tag), issuer: ca, keyType }).then((certificate) => ({
          name,
          clientId: clientId(name),
          auth: 'tls_client_auth',
          certificate,
          subject: { kind: 'subject_dn', value: certificate.subject },
          grant: { type: 'client_credentials' },
          purpose,
        })),
      );
    }
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
        purpose:
          'public client (RFC 8705 §4): no client authentication, its self-signed certificate only binds its tokens; the authorization endpoint must redirect straight back with a code (no login page)',
      })),
    );
  }
  return { ca, caMinted: opts.ca === undefined, clients: await Promise.all(pending), tag };
}

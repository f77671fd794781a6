import { X509Certificate } from 'node:crypto';
import { SELF_SIGNED_TWO_KEYS } from '../certs/depth-names.js';
import { equivalentDnSpellings } from '../certs/dn-spellings.js';
import type { ManifestIdentity } from '../certs/manifest.js';
import { parseDn } from '../certs/rfc4514.js';
import { jwkWithX5c } from '../onboarding/client-metadata.js';
import { boundReferenceClients } from './bound-reference-clients.js';
import { baseClient, type RegisteredClient, type RegisteredSubject } from './clients.js';
import {
  manifestIdentity,
  REFERENCE_IDENTITIES,
  type ReferenceMaterial,
  readIdentityFile,
} from './reference-material.js';

/** Where the reference's public test client is sent back to; never fetched. */
export const PUBLIC_CLIENT_REDIRECT_URI = 'https://client.example.test/callback';

/** One `clients[]` entry of the target config the reference writes for itself. */
export interface TargetClientEntry {
  name: string;
  client_id: string;
  auth: RegisteredClient['authMethod'];
  identity: string;
  subject_dn?: string;
  san_dns?: string;
  san_uri?: string;
  san_ip?: string;
  san_email?: string;
  client_secret?: string;
  bound?: boolean;
  grant?: 'authorization_code' | 'refresh_token';
  refresh_token?: string;
  redirect_uri?: string;
}

export interface ReferenceClient {
  registered: RegisteredClient;
  target: TargetClientEntry;
  /** A refresh token the server issues this client at start-up (the target config holds it). */
  refreshToken?: string;
}

const SAN_KINDS = ['dns', 'uri', 'ip', 'email'] as const;

function pkiClient(
  clientId: string,
  identity: ManifestIdentity,
  subject: RegisteredSubject,
): ReferenceClient {
  const registered = baseClient(clientId, 'tls_client_auth');
  registered.subject = subject;
  // Registered under the CA that issued its certificate (RFC 8705 §7.4).
  registered.acceptedIssuers = [parseDn(identity.issuer)];
  registered.metadata[`tls_client_auth_${subject.kind}`] = subject.value;
  return {
    registered,
    target: {
      name: clientId,
      client_id: clientId,
      auth: 'tls_client_auth',
      identity: identity.name,
      [subject.kind]: subject.value,
    },
  };
}

/**
 * The clients the reference registers at start-up, in the order the target config lists them:
 * the victim first (the harness takes the first tls_client_auth + subject_dn client as the
 * victim and the second as "another client").
 */
export async function referenceClients(
  material: ReferenceMaterial,
  opts: { mintSecret: () => string },
): Promise<ReferenceClient[]> {
  const { manifest } = material;
  const pki = manifest.identities.filter((i) => i.role === 'pki-client');
  pki.sort((a, b) => Number(b.name === manifest.victim) - Number(a.name === manifest.victim));
  const victim = manifestIdentity(material, manifest.victim);
  const chained = manifest.identities.find((i) => i.role === 'pki-client-chained');
  const selfSigned = manifestIdentity(material, 'self-signed-client');
  const publicIdentity = manifestIdentity(material, 'public-client');
  const other = pki.find((i) => i.name !== manifest.victim) ?? victim;

  const clients: ReferenceClient[] = [];
  for (const identity of [...pki, ...(chained ? [chained] : [])]) {
    const client = pkiClient(identity.name, identity, {
      kind: 'subject_dn',
      value: identity.subject,
      dn: parseDn(identity.subject),
    });
    if (identity === victim) allowPushedAuthorization(client);
    if (identity === other && other !== victim) allowCodeFlow(client);
    clients.push(client);
  }
  for (const kind of SAN_KINDS) {
    const san = victim.sans.find((s) => s.type === kind);
    if (san === undefined) continue;
    clients.push(
      pkiClient(`${victim.name}-san-${kind}`, victim, { kind: `san_${kind}`, value: san.value }),
    );
  }

  // self_signed_tls_client_auth: the certificate itself is the registration (jwks x5c).
  const selfSignedPem = await readIdentityFile(material, selfSigned.cert);
  const selfSignedCert = new X509Certificate(selfSignedPem);
  const jwk = {
    ...selfSignedCert.publicKey.export({ format: 'jwk' }),
    x5c: [selfSignedCert.raw.toString('base64')],
  };
  const selfSignedClient = baseClient(selfSigned.name, 'self_signed_tls_client_auth');
  selfSignedClient.selfSignedCertificates = [
    { x5tS256: selfSigned.x5tS256, subject: parseDn(selfSigned.subject) },
  ];
  selfSignedClient.metadata.jwks = { keys: [jwk] };
  clients.push({
    registered: selfSignedClient,
    target: {
      name: selfSigned.name,
      client_id: selfSigned.name,
      auth: 'self_signed_tls_client_auth',
      identity: selfSigned.name,
    },
  });

  // A public client: mTLS for token binding only (RFC 8705 §4), tokens via authorization_code.
  const publicClient = baseClient(publicIdentity.name, 'none');
  publicClient.grantTypes = ['authorization_code', 'refresh_token'];
  publicClient.redirectUris = [PUBLIC_CLIENT_REDIRECT_URI];
  publicClient.autoApprove = true;
  publicClient.metadata.grant_types = publicClient.grantTypes;
  publicClient.metadata.redirect_uris = publicClient.redirectUris;
  clients.push({
    registered: publicClient,
    target: {
      name: publicIdentity.name,
      client_id: publicIdentity.name,
      auth: 'none',
      identity: publicIdentity.name,
      grant: 'authorization_code',
      redirect_uri: PUBLIC_CLIENT_REDIRECT_URI,
    },
  });

  clients.push(
    ...(await boundReferenceClients(material, { victim, other, mintSecret: opts.mintSecret })),
  );
  clients.push(codeClient(victim));
  return clients;
}

/**
 * The code flow's tls_client_auth client (CODE): grant authorization_code, its tokens by a
 * login. It has the victim's certificate and subject; listed last, so that every role the
 * harness picks in order (victim, the other client, the chained one) stays what it was.
 */
function codeClient(victim: ManifestIdentity): ReferenceClient {
  const client = pkiClient('code-client', victim, {
    kind: 'subject_dn',
    value: victim.subject,
    dn: parseDn(victim.subject),
  });
  client.registered.grantTypes = ['authorization_code', 'refresh_token'];
  client.registered.autoApprove = true;
  client.registered.redirectUris = [PUBLIC_CLIENT_REDIRECT_URI];
  client.registered.metadata.grant_types = client.registered.grantTypes;
  client.registered.metadata.redirect_uris = client.registered.redirectUris;
  client.target.grant = 'authorization_code';
  client.target.redirect_uri = PUBLIC_CLIENT_REDIRECT_URI;
  return client;
}

/**
 * The second PKI client may use the code grant too (approved without a login like the code
 * client): CODE-03's "client B" redeems another client's code with its own certificate, and a
 * client not allowed the grant would be refused for that alone, hiding a missing code check.
 */
function allowCodeFlow(client: ReferenceClient): void {
  allowPushedAuthorization(client);
  client.registered.autoApprove = true;
}

/**
 * The victim may also use the authorization code grant, so that it can push authorization
 * requests (RFC 9126) with its certificate (EP-03); it is never approved without a login.
 */
function allowPushedAuthorization(client: ReferenceClient): void {
  client.registered.grantTypes = ['client_credentials', 'authorization_code'];
  client.registered.redirectUris = [PUBLIC_CLIENT_REDIRECT_URI];
  client.registered.metadata.grant_types = client.registered.grantTypes;
  client.registered.metadata.redirect_uris = client.registered.redirectUris;
  client.target.redirect_uri = PUBLIC_CLIENT_REDIRECT_URI;
}

/**
 * The clients the validation-depth scenarios need registered (PKI-18, PKI-23, SELF-08), and the
 * `scenario_clients` section that names them in the reference's target config. None has a
 * certificate of its own: each scenario brings the certificates it presents.
 */
export interface ReferenceScenarioClients {
  registered: RegisteredClient[];
  /** The target config's `scenario_clients`. */
  config: Record<string, unknown>;
}

export async function referenceScenarioClients(
  material: ReferenceMaterial,
): Promise<ReferenceScenarioClients> {
  const { manifest } = material;
  const victim = manifestIdentity(material, manifest.victim);
  const root = manifestIdentity(material, REFERENCE_IDENTITIES.rootCa);
  const intermediate = manifestIdentity(material, REFERENCE_IDENTITIES.intermediateCa);
  const registered: RegisteredClient[] = [];
  const dnClient = (clientId: string, dn: string, issuers: string[]) => {
    const client = baseClient(clientId, 'tls_client_auth');
    client.subject = { kind: 'subject_dn', value: dn, dn: parseDn(dn) };
    client.acceptedIssuers = issuers.map((issuer) => parseDn(issuer));
    client.metadata.tls_client_auth_subject_dn = dn;
    registered.push(client);
    return { client_id: clientId, subject_dn: dn };
  };

  // PKI-18: named after the intermediate, registered under the root the intermediate chains
  // to, so that only the subject check can turn the intermediate's own leaves away.
  const intermediateSubject = dnClient('intermediate-ca-subject', intermediate.subject, [
    root.subject,
  ]);

  // PKI-23: the victim's DN spelled otherwise, one client per spelling.
  const victimDer = new X509Certificate(await readIdentityFile(material, victim.cert)).raw;
  const dnSpellings = equivalentDnSpellings(new Uint8Array(victimDer)).map((spelling) =>
    dnClient(`${victim.name}-dn-${spelling.trick}`, spelling.dn, [victim.issuer]),
  );

  // SELF-08: one self-signed client, two certificates in its jwks.
  const twoKeys = baseClient('self-signed-two-keys', 'self_signed_tls_client_auth');
  const keys: Record<string, unknown>[] = [];
  for (const name of [SELF_SIGNED_TWO_KEYS.first, SELF_SIGNED_TWO_KEYS.second]) {
    const identity = manifestIdentity(material, name);
    const der = new Uint8Array(
      new X509Certificate(await readIdentityFile(material, identity.cert)).raw,
    );
    keys.push(jwkWithX5c(der));
    twoKeys.selfSignedCertificates.push({
      x5tS256: identity.x5tS256,
      subject: parseDn(identity.subject),
    });
  }
  twoKeys.metadata.jwks = { keys };
  registered.push(twoKeys);

  return {
    registered,
    config: {
      intermediate_subject: intermediateSubject,
      dn_spellings: dnSpellings,
      self_signed_two_keys: { client_id: twoKeys.clientId },
    },
  };
}

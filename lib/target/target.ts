/**
 * The Target model: what the scenarios know about the system under test. Built in two steps —
 * loadTargetConfig (file → TargetConfig, no network) and resolveTarget (discovery → Target).
 */
import type { KeyObject } from 'node:crypto';
import type { CertManifest } from '../certs/manifest.js';
import type { MintedCert } from '../certs/mint.js';
import type { Identity } from '../tls/identity.js';
import type { LoginPlan } from './login-plan.js';

export type AuthMethod =
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none'
  | 'client_secret_basic'
  | 'client_secret_post'
  | 'private_key_jwt';

/** JWS algorithms a private_key_jwt client may sign its assertions with (RFC 7518 §3.1, RFC 8037). */
export const ASSERTION_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

export type AssertionAlgorithm = (typeof ASSERTION_ALGORITHMS)[number];

/**
 * The `aud` of a client assertion (RFC 7523 §3): the token endpoint URL (the default), the
 * issuer, the URL of the endpoint each request goes to, or a fixed URL. Servers differ in what
 * they accept, hence the choice.
 */
export type AssertionAudience =
  | { kind: 'token_endpoint' }
  | { kind: 'issuer' }
  | { kind: 'endpoint' }
  | { kind: 'url'; url: string };

/** How a private_key_jwt client signs its client assertions (RFC 7523 §2.2). */
export interface ClientAssertionSigner {
  /** Never printed, never written: only ever used to sign. */
  privateKey: KeyObject;
  alg: AssertionAlgorithm;
  /** `kid` of the JWS header: the key file's own, else the RFC 7638 thumbprint of the key. */
  kid: string;
  /** The public half as a JWK (with kid, alg, use), for registration's `jwks`. */
  publicJwk: Record<string, unknown>;
  /** Where the key comes from, for reports: "the identity's key" or the file as configured. */
  source: string;
  audience: AssertionAudience;
  /** Registered by reference instead of `jwks` (RFC 7591 §2), when the config names one. */
  jwksUri?: string;
}

/** How a tls_client_auth client is registered (RFC 8705 §2.1.2): exactly one of these. */
export type SubjectMatch = {
  kind: 'subject_dn' | 'san_dns' | 'san_uri' | 'san_ip' | 'san_email';
  value: string;
};

export type Grant =
  | { type: 'client_credentials' }
  | { type: 'refresh_token'; refreshToken: string }
  | { type: 'authorization_code'; redirectUri: string };

export interface TargetClient {
  name: string;
  clientId: string;
  auth: AuthMethod;
  identity?: Identity;
  subject?: SubjectMatch;
  clientSecret?: string;
  /** private_key_jwt: how its assertions are signed. */
  assertion?: ClientAssertionSigner;
  /**
   * Registered with tls_client_certificate_bound_access_tokens (RFC 8705 §3.4): its tokens must
   * be bound to its certificate whatever its authentication method (the HOK scenarios).
   */
  bound: boolean;
  /** The registered redirect URI: the authorization code grant's, and PAR's (EP-03). */
  redirectUri?: string;
  grant: Grant;
  scope?: string;
  /**
   * How a person logs in at the authorization endpoint for this client (its own `login:` or the
   * target's): the authorization code flows drive it in a browser (the CODE scenarios).
   */
  login?: LoginPlan;
}

export type EndpointName =
  | 'token'
  | 'introspection'
  | 'revocation'
  | 'registration'
  | 'authorization'
  | 'jwks'
  | 'userinfo'
  | 'par';

export type Endpoints = Partial<Record<EndpointName, string>>;

export type Capability =
  | 'metadata'
  | 'bound-tokens-advertised'
  | 'aliases'
  | 'introspection'
  | 'revocation'
  | 'registration'
  | 'authorization'
  | 'resource'
  | 'test-ca'
  | 'second-ca'
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'public-client'
  | 'refresh';

export interface TargetResource {
  url: string;
  method: string;
  expectedStatus: number;
}

/** The config file, validated and with its files loaded; nothing fetched from the network yet. */
export interface TargetConfig {
  /** The config file as the user named it. */
  configFile: string;
  issuer?: string;
  /** Whether to fetch the metadata document from the issuer. */
  discovery: boolean;
  /** Endpoints given explicitly in the config. */
  endpoints: Endpoints;
  serverCaPem?: string;
  clients: TargetClient[];
  testCa?: MintedCert;
  secondTrustedCa?: MintedCert;
  /** The certificate set named by certs_manifest, when there is one. */
  certSet?: CertSetRef;
  resource?: TargetResource;
  tokenParams: Record<string, string>;
  forwardedHeaders: string[];
  registration?: RegistrationSettings;
  /** `scenario_clients`: clients registered for one validation-depth scenario each. */
  scenarioClients?: ScenarioClients;
}

/** The `registration` block: dynamic registration (RFC 7591) and its management (RFC 7592). */
export interface RegistrationSettings {
  initialAccessToken?: string;
  /**
   * The operator's profile (open banking) requires the client's own certificate for RFC 7592
   * management on top of the registration access token (EP-04).
   */
  managementRequiresMtls?: boolean;
}

/** A client registered by its subject DN for one scenario, with no certificate of its own. */
export interface DnScenarioClient {
  clientId: string;
  /** As registered (RFC 4514); checked to parse when the config is loaded. */
  subjectDn: string;
}

/**
 * The config's `scenario_clients`: clients registered for one validation-depth scenario each.
 * A scenario without its entry registers a client for the run where it can.
 */
export interface ScenarioClients {
  /** PKI-18: registered with an intermediate CA's subject DN. */
  intermediateSubject?: DnScenarioClient;
  /** PKI-23: registered with the victim's subject DN spelled otherwise. */
  dnSpellings?: DnScenarioClient[];
  /** SELF-08: jwks with the cert set's self-signed-two-keys-1 and -2. */
  selfSignedTwoKeys?: { clientId: string };
}

/** A cert set's manifest and the folder its paths are relative to. */
export interface CertSetRef {
  dir: string;
  manifest: CertManifest;
}

export interface Target {
  configFile: string;
  issuer?: string;
  /** Where the metadata document was found. */
  metadataUrl?: string;
  /** The raw metadata document; absent when it was rejected (see metadataRejected). */
  metadata?: Record<string, unknown>;
  /** E.g. a wrong content type: recorded for the DISC scenarios to judge, never thrown. */
  metadataProblems: string[];
  /**
   * Why the metadata document at metadataUrl was not used: its issuer is not the configured one
   * (RFC 8414 §3.3). Nothing of it is in this Target, and nothing is to be tested but DISC-01.
   */
  metadataRejected?: string;
  /** Conventional endpoints: metadata, then config overrides. */
  endpoints: Endpoints;
  /** What the harness uses for mTLS calls: mtls_endpoint_aliases applied (RFC 8705 §5), else == endpoints. */
  mtlsEndpoints: Endpoints;
  /** The raw mtls_endpoint_aliases object when the metadata has one. */
  aliases?: Record<string, unknown>;
  serverCaPem?: string;
  clients: TargetClient[];
  testCa?: MintedCert;
  secondTrustedCa?: MintedCert;
  /** See TargetConfig.certSet. */
  certSet?: CertSetRef;
  resource?: TargetResource;
  tokenParams: Record<string, string>;
  forwardedHeaders: string[];
  registration?: RegistrationSettings;
  /** See TargetConfig.scenarioClients. */
  scenarioClients?: ScenarioClients;
  capabilities: ReadonlySet<Capability>;
}

export { loadTargetConfig } from './load-config.js';
export { loadTarget } from './load-target.js';
export { resolveTarget } from './resolve-target.js';

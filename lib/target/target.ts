/**
 * The Target model: what the scenarios know about the system under test. Built in two steps —
 * loadTargetConfig (file → TargetConfig, no network) and resolveTarget (discovery → Target).
 */
import type { CertManifest } from '../certs/manifest.js';
import type { MintedCert } from '../certs/mint.js';
import type { Identity } from '../tls/identity.js';

export type AuthMethod =
  | 'tls_client_auth'
  | 'self_signed_tls_client_auth'
  | 'none'
  | 'client_secret_basic';

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
  grant: Grant;
  scope?: string;
}

export type EndpointName =
  | 'token'
  | 'introspection'
  | 'revocation'
  | 'registration'
  | 'authorization'
  | 'jwks';

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
  registration?: { initialAccessToken?: string };
  /** `scenario_clients`: clients registered for one validation-depth scenario each. */
  scenarioClients?: ScenarioClients;
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
  /** The raw metadata document. */
  metadata?: Record<string, unknown>;
  /** E.g. an issuer mismatch: recorded for the DISC scenarios to judge, never thrown. */
  metadataProblems: string[];
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
  registration?: { initialAccessToken?: string };
  /** See TargetConfig.scenarioClients. */
  scenarioClients?: ScenarioClients;
  capabilities: ReadonlySet<Capability>;
}

export { loadTargetConfig } from './load-config.js';
export { loadTarget } from './load-target.js';
export { resolveTarget } from './resolve-target.js';

import type { AssertionAlgorithm, AuthMethod } from './target.js';

/**
 * The config file's data as schema/target.schema.json describes it (snake_case, paths unresolved).
 * Only trusted after checkConfigShape has passed.
 */
export interface RawKeyPair {
  cert: string;
  key: string;
}

export interface RawIdentityFiles extends RawKeyPair {
  chain?: string;
}

export type RawEndpointName =
  | 'token'
  | 'introspection'
  | 'revocation'
  | 'registration'
  | 'authorization'
  | 'jwks'
  | 'userinfo'
  | 'par';

export interface RawClient {
  name: string;
  client_id: string;
  auth: AuthMethod;
  identity?: string | RawIdentityFiles;
  subject_dn?: string;
  san_dns?: string;
  san_uri?: string;
  san_ip?: string;
  san_email?: string;
  client_secret?: string;
  bound?: boolean;
  assertion_key?: string;
  token_endpoint_auth_signing_alg?: AssertionAlgorithm;
  assertion_audience?: string;
  jwks_uri?: string;
  grant?: 'client_credentials' | 'refresh_token' | 'authorization_code';
  refresh_token?: string;
  redirect_uri?: string;
  scope?: string;
  login?: RawLogin;
}

export interface RawUrlMatch {
  url?: string;
  url_regex?: string;
}

export interface RawLoginStep extends RawUrlMatch {
  fill?: Array<{ selector: string; value: string }>;
  click?: string;
  wait_for?: RawUrlMatch & { selector?: string };
}

export interface RawLogin {
  steps: RawLoginStep[];
  origins?: string[];
  step_timeout_ms?: number;
  timeout_ms?: number;
  browser?: string;
}

export interface RawTargetConfig {
  issuer?: string;
  endpoints?: Partial<Record<RawEndpointName, string>>;
  discovery?: boolean;
  server_ca?: string;
  certs_manifest?: string;
  test_ca?: RawKeyPair;
  second_trusted_ca?: RawKeyPair;
  clients: RawClient[];
  resource?: { url: string; method?: string; expected_status?: number };
  token_request?: { scope?: string; resource?: string; audience?: string };
  forwarded_headers?: string[];
  registration?: { initial_access_token?: string; management_requires_mtls?: boolean };
  login?: RawLogin;
  scenario_clients?: RawScenarioClients;
}

export interface RawScenarioClients {
  intermediate_subject?: { client_id: string; subject_dn: string };
  dn_spellings?: Array<{ client_id: string; subject_dn: string }>;
  self_signed_two_keys?: { client_id: string };
}

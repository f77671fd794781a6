import { loadAssertionSigner } from './assertion-signer.js';
import { loadIssuingCa, loadServerCa } from './ca-files.js';
import { ClientIdentityLoader } from './client-identity.js';
import { checkClientRules, checkUniqueNames } from './client-rules.js';
import { readConfigDocument } from './config-document.js';
import { renderPath } from './config-path.js';
import { configProblem } from './config-problem.js';
import { checkConfigShape } from './config-schema.js';
import { httpsUrlProblem } from './http-url.js';
import { type ConfigEnvironment, loginPlan } from './login-config.js';
import { type LoginPlan, unsetVariablesProblem } from './login-plan.js';
import type { RawClient, RawEndpointName, RawTargetConfig } from './raw-config.js';
import { ReferencedFiles } from './referenced-files.js';
import { scenarioClients } from './scenario-clients.js';
import type { Endpoints, TargetClient, TargetConfig } from './target.js';

/** Where the server is and how to trust it: known before the client identities are read. */
export type ServerLocation = Pick<TargetConfig, 'issuer' | 'discovery' | 'serverCaPem'>;

/**
 * Reads, validates and resolves a target config file: schema, cross-field rules, then every file
 * it names (CA bundle, certificates, keys, manifest). No network. Every problem is a one-line
 * ConfigError naming the file and the config path. `onServer` is told where the server is as
 * soon as that is known, before the client identities are read (load-target.ts starts
 * discovery then, so the network wait and the file reading overlap).
 */
export async function loadTargetConfig(
  file: string,
  opts: {
    onServer?: (server: ServerLocation) => void;
    env?: ConfigEnvironment;
    /**
     * A login value's unset variable is a config error, before the server is contacted (what a
     * run needs; discover and register load the file without typing anything).
     */
    requireLoginValues?: boolean;
  } = {},
): Promise<TargetConfig> {
  const data = await readConfigDocument(file);
  if (data === null || data === undefined) {
    throw configProblem(file, undefined, 'the file is empty');
  }
  checkConfigShape(file, data);
  const raw = data as RawTargetConfig;

  const { issuer, discovery, endpoints } = checkServerLocation(file, raw);
  checkUniqueNames(file, raw.clients);
  const clientRules = raw.clients.map((client, index) => checkClientRules(file, index, client));
  const env = opts.env ?? {};
  const targetLogin = raw.login && loginPlan(file, ['login'], raw.login, env);
  const clientLogins = raw.clients.map((client, index) =>
    client.login === undefined
      ? targetLogin
      : loginPlan(file, ['clients', index, 'login'], client.login, env),
  );
  if (opts.requireLoginValues === true) {
    for (const plan of new Set(clientLogins)) {
      if (plan !== undefined) requireRunnableLogin(file, plan);
    }
  }
  const resource = raw.resource && {
    url: checkedUrl(file, 'resource.url', raw.resource.url),
    method: raw.resource.method ?? 'GET',
    expectedStatus: raw.resource.expected_status ?? 200,
  };

  const files = new ReferencedFiles(file);
  const config: TargetConfig = {
    configFile: file,
    discovery,
    endpoints,
    clients: [],
    tokenParams: tokenParams(raw),
    forwardedHeaders: [...new Set(raw.forwarded_headers ?? [])],
  };
  if (issuer !== undefined) config.issuer = issuer;
  if (resource) config.resource = resource;
  if (raw.registration) {
    const { initial_access_token: token, management_requires_mtls: mtls } = raw.registration;
    config.registration = {
      ...(token === undefined ? {} : { initialAccessToken: token }),
      ...(mtls === undefined ? {} : { managementRequiresMtls: mtls }),
    };
  }
  if (raw.scenario_clients) config.scenarioClients = scenarioClients(file, raw.scenario_clients);
  if (raw.server_ca !== undefined) config.serverCaPem = await loadServerCa(files, raw.server_ca);
  opts.onServer?.({
    discovery,
    ...(issuer === undefined ? {} : { issuer }),
    ...(config.serverCaPem === undefined ? {} : { serverCaPem: config.serverCaPem }),
  });
  if (raw.test_ca) config.testCa = await loadIssuingCa(files, raw.test_ca, 'test_ca');
  if (raw.second_trusted_ca) {
    config.secondTrustedCa = await loadIssuingCa(files, raw.second_trusted_ca, 'second_trusted_ca');
  }

  const identities = new ClientIdentityLoader(files, raw.certs_manifest);
  for (const [index, rules] of clientRules.entries()) {
    const rawClient = raw.clients[index] as RawClient;
    const ref = rawClient.identity;
    const client: TargetClient = { ...rules };
    const login = clientLogins[index];
    if (login !== undefined) client.login = login;
    if (ref !== undefined) {
      client.identity = await identities.load(
        rules.name,
        ref,
        renderPath(['clients', index, 'identity']),
      );
    }
    if (rules.auth === 'private_key_jwt') {
      client.assertion = await loadAssertionSigner({
        files,
        raw: rawClient,
        at: renderPath(['clients', index]),
        identity: client.identity,
      });
    }
    config.clients.push(client);
  }
  const certSet = await identities.certSet();
  if (certSet) config.certSet = certSet;
  return config;
}

const ENDPOINT_NAMES: readonly RawEndpointName[] = [
  'token',
  'introspection',
  'revocation',
  'registration',
  'authorization',
  'jwks',
  'userinfo',
  'par',
];

/** Where the server is: an issuer to discover from, explicit endpoints, or both. */
function checkServerLocation(
  file: string,
  raw: RawTargetConfig,
): { issuer: string | undefined; discovery: boolean; endpoints: Endpoints } {
  const endpoints: Endpoints = {};
  for (const name of ENDPOINT_NAMES) {
    const url = raw.endpoints?.[name];
    if (url !== undefined) endpoints[name] = checkedUrl(file, `endpoints.${name}`, url);
  }
  const issuer = raw.issuer === undefined ? undefined : checkedIssuer(file, raw.issuer);
  if (issuer === undefined && endpoints.token === undefined) {
    throw configProblem(file, undefined, 'missing required key "issuer" (or endpoints.token)');
  }
  if (raw.discovery === true && issuer === undefined) {
    throw configProblem(file, 'discovery', 'needs an issuer to discover from');
  }
  const discovery = raw.discovery ?? issuer !== undefined;
  if (!discovery && endpoints.token === undefined) {
    throw configProblem(file, 'endpoints', 'missing required key "token" (discovery is off)');
  }
  return { issuer, discovery, endpoints };
}

/** A URL the harness sends requests to: https only. */
function checkedUrl(file: string, at: string, value: string): string {
  const problem = httpsUrlProblem(value);
  if (problem) throw configProblem(file, at, problem);
  return value;
}

/** RFC 8414 §2: an issuer is a URL without query or fragment. */
function checkedIssuer(file: string, value: string): string {
  checkedUrl(file, 'issuer', value);
  const url = new URL(value);
  if (url.search !== '' || url.hash !== '' || value.includes('?') || value.includes('#')) {
    throw configProblem(file, 'issuer', 'must not have a query or fragment (RFC 8414 §2)');
  }
  return value;
}

function tokenParams(raw: RawTargetConfig): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(raw.token_request ?? {})) {
    if (value !== undefined) params[key] = value;
  }
  return params;
}

/**
 * What a run needs of a login before the server is contacted: the values it types. (A missing
 * browser is not a config error: the scenarios that need one are skipped, "needs a browser".)
 */
function requireRunnableLogin(file: string, plan: LoginPlan): void {
  const problem = unsetVariablesProblem(plan);
  if (problem !== undefined) throw configProblem(file, plan.at, problem);
}

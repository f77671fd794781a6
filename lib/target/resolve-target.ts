import { TargetUnreachableError } from '../errors.js';
import type { IdentityDispatchers } from '../tls/dispatchers.js';
import { deriveCapabilities } from './capabilities.js';
import { issuerMismatch } from './issuer-match.js';
import { advertisedEndpoints, applyMtlsAliases } from './metadata-endpoints.js';
import { type FetchedMetadata, fetchMetadata } from './metadata-fetch.js';
import type { Target, TargetConfig } from './target.js';

/**
 * Completes a TargetConfig from the issuer's metadata: conventional endpoints (config wins),
 * the mTLS aliases the harness will use, and the capability profile. Metadata defects are
 * recorded in `metadataProblems` for the DISC scenarios; only an unreachable server, or one with
 * no metadata and no configured token endpoint, stops here. A document whose issuer is not the
 * configured one is not used at all (RFC 8414 §3.3) and is named in `metadataRejected`.
 */
export async function resolveTarget(
  config: TargetConfig,
  opts: { dispatchers: IdentityDispatchers },
): Promise<Target> {
  const problems: string[] = [];
  let fetched: FetchedMetadata | undefined;
  if (config.discovery && config.issuer !== undefined) {
    const result = await fetchMetadata({
      configFile: config.configFile,
      issuer: config.issuer,
      dispatchers: opts.dispatchers,
      serverCaConfigured: config.serverCaPem !== undefined,
    });
    fetched = result.metadata;
    if (!fetched) {
      const reasons = result.failures.join('; ');
      if (config.endpoints.token === undefined) {
        throw new TargetUnreachableError(
          `no authorization server metadata (${reasons}) and no endpoints.token in ${config.configFile}`,
        );
      }
      problems.push(`no metadata document: ${reasons}`);
    }
  }

  let metadata = fetched?.document;
  let rejected: string | undefined;
  if (fetched) {
    problems.push(...fetched.problems);
    rejected =
      config.issuer === undefined ? undefined : issuerMismatch(config.issuer, fetched.document);
    if (rejected !== undefined) {
      // Not one endpoint, alias or capability of it is used, nor do its hosts become origins of
      // the target: the run stops at DISC-01.
      problems.push(`${rejected} (RFC 8414 §3.3: the document is not used)`);
      metadata = undefined;
    }
  }
  const endpoints = {
    ...(metadata ? advertisedEndpoints(metadata, problems) : {}),
    ...config.endpoints,
  };
  const { mtlsEndpoints, aliases } = applyMtlsAliases({
    metadata,
    endpoints,
    configured: config.endpoints,
    problems,
  });
  if (mtlsEndpoints.token === undefined && rejected === undefined) {
    // Nothing in the catalog works without one; say where it was looked for.
    throw new TargetUnreachableError(
      `the metadata at ${fetched?.url ?? 'the issuer'} has no usable token_endpoint${tokenProblem(problems)} and ${config.configFile} sets no endpoints.token`,
    );
  }

  const { configFile, issuer, serverCaPem, testCa, secondTrustedCa, resource, registration } =
    config;
  const target: Target = {
    configFile,
    metadataProblems: problems,
    endpoints,
    mtlsEndpoints,
    clients: config.clients,
    tokenParams: config.tokenParams,
    forwardedHeaders: config.forwardedHeaders,
    capabilities: deriveCapabilities({ config, metadata, mtlsEndpoints }),
  };
  if (issuer !== undefined) target.issuer = issuer;
  if (fetched) target.metadataUrl = fetched.url;
  if (metadata) target.metadata = metadata;
  if (rejected !== undefined) target.metadataRejected = rejected;
  if (aliases) target.aliases = aliases;
  if (serverCaPem !== undefined) target.serverCaPem = serverCaPem;
  if (testCa) target.testCa = testCa;
  if (secondTrustedCa) target.secondTrustedCa = secondTrustedCa;
  if (config.certSet) target.certSet = config.certSet;
  if (resource) target.resource = resource;
  if (registration) target.registration = registration;
  if (config.scenarioClients) target.scenarioClients = config.scenarioClients;
  return target;
}

/** What the metadata problems say about token_endpoint, for the one-line stop. */
function tokenProblem(problems: readonly string[]): string {
  const found = problems.find((p) => p.startsWith('metadata token_endpoint '));
  return found === undefined ? '' : ` (${found})`;
}

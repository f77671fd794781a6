import { TargetUnreachableError } from '../errors.js';
import type { IdentityDispatchers } from '../tls/dispatchers.js';
import { deriveCapabilities } from './capabilities.js';
import { advertisedEndpoints, applyMtlsAliases } from './metadata-endpoints.js';
import { type FetchedMetadata, fetchMetadata } from './metadata-fetch.js';
import type { Target, TargetConfig } from './target.js';

/**
 * Completes a TargetConfig from the issuer's metadata: conventional endpoints (config wins),
 * the mTLS aliases the harness will use, and the capability profile. Metadata defects are
 * recorded in `metadataProblems` for the DISC scenarios; only an unreachable server, or one with
 * no metadata and no configured token endpoint, stops here.
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

  const metadata = fetched?.document;
  if (fetched) {
    problems.push(...fetched.problems);
    checkIssuer(config.issuer, metadata, problems);
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
  if (mtlsEndpoints.token === undefined) {
    // Nothing in the catalog works without one; say where it was looked for.
    throw new TargetUnreachableError(
      `the metadata at ${fetched?.url ?? 'the issuer'} has no usable token_endpoint and ${config.configFile} sets no endpoints.token`,
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
  if (fetched) {
    target.metadataUrl = fetched.url;
    target.metadata = fetched.document;
  }
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

/** RFC 8414 §3.3: the document's issuer must be identical to the one it was fetched for. */
function checkIssuer(
  issuer: string | undefined,
  metadata: Record<string, unknown> | undefined,
  problems: string[],
): void {
  if (!metadata || issuer === undefined) return;
  if (metadata.issuer === undefined) {
    problems.push('metadata has no issuer (RFC 8414 §2 requires it)');
  } else if (metadata.issuer !== issuer) {
    problems.push(
      `metadata issuer ${JSON.stringify(metadata.issuer)} does not equal the configured issuer ${JSON.stringify(issuer)} (RFC 8414 §3.3)`,
    );
  }
}

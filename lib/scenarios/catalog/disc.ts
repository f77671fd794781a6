import { isObject } from '../../json-object.js';
import { FIELD_CAP } from '../../output/cap.js';
import { quotedJson } from '../../output/quote.js';
import type { AuthMethod, EndpointName, Target } from '../../target/target.js';
import type { Identity } from '../../tls/identity.js';
import { check, ScenarioFailure } from '../outcome.js';
import { needs, type Requirement } from '../requirements.js';
import { bindingClient } from '../roles.js';
import { defineScenario, type Scenario } from '../scenario.js';
import {
  attemptsSummary,
  fetchMetadata,
  requireAliasObject,
  requireMetadataDocument,
} from '../steps/metadata.js';
import { clientCertificatePrivacy, mtlsOrigins, probeTls } from '../steps/tls-info.js';

const MTLS_METHODS: readonly AuthMethod[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

/**
 * Endpoint parameters RFC 8705 §5 lets an mTLS alias replace (RFC 8414, 7009, 7662, 7591, 8628,
 * OpenID Connect, 9126, CIBA). authorization_endpoint is a metadata endpoint too, so DISC-04
 * accepts the name; whether it should be aliased at all is DISC-05's question.
 */
export const KNOWN_ALIAS_NAMES: readonly string[] = [
  'token_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'device_authorization_endpoint',
  'registration_endpoint',
  'userinfo_endpoint',
  'pushed_authorization_request_endpoint',
  'backchannel_authentication_endpoint',
  'authorization_endpoint',
];

/**
 * Discovery was attempted at load time (it is off with `discovery: false`): then a missing
 * document is the target's fault, not a configuration choice.
 */
const discoveryOn: Requirement = {
  name: 'discovery',
  missing: (t) =>
    t.metadata !== undefined || t.metadataProblems.length > 0
      ? undefined
      : 'discovery is off in the config (discovery: false): the metadata document is not checked',
};

function mtlsMethodsInConfig(target: Target): AuthMethod[] {
  return MTLS_METHODS.filter((m) => target.clients.some((c) => c.auth === m));
}

const mtlsClientConfigured: Requirement = {
  name: 'mtls-client',
  missing: (t) =>
    mtlsMethodsInConfig(t).length > 0
      ? undefined
      : 'no tls_client_auth or self_signed_tls_client_auth client in the config',
};

/** Every client with a certificate expects certificate-bound tokens (mTLS auth or binding only). */
const boundTokenClient: Requirement = {
  name: 'bound-token-client',
  missing: (t) =>
    t.clients.some(
      (c) => c.identity !== undefined && (c.auth === 'none' || MTLS_METHODS.includes(c.auth)),
    )
      ? undefined
      : 'no client in the config uses mTLS (tls_client_auth, self_signed_tls_client_auth, or a public client with a certificate), so none relies on bound tokens',
};

export const discScenarios: readonly Scenario[] = [
  defineScenario({
    id: 'DISC-01',
    title: 'metadata document fetched and its issuer equals the configured issuer',
    section: 'DISC',
    level: 'MUST',
    spec: 'RFC 8414 §3.3',
    requires: [needs.issuer, discoveryOn],
    expected:
      'a JSON metadata document at the RFC 8414 (or openid-configuration) well-known URL whose issuer is identical to the configured issuer',
    serverState: [],
    async run(ctx) {
      const issuer = ctx.target.issuer ?? '';
      const fetched = await fetchMetadata(ctx);
      const found = fetched.found;
      if (!found) {
        throw new ScenarioFailure('no metadata document at either well-known location', {
          observed: attemptsSummary(fetched),
        });
      }
      if (found.location !== 'RFC 8414') {
        ctx.note(
          `found only at the OpenID Connect Discovery location (${attemptsSummary(fetched)})`,
        );
      }
      if (!/^application\/json\s*(;|$)/i.test(found.contentType ?? '')) {
        ctx.note(
          `served as ${found.contentType ?? '(no content-type)'}, not application/json (RFC 8414 §3.2)`,
        );
      }
      const published = found.document.issuer;
      const observed = `issuer ${published === undefined ? '(absent)' : quotedJson(published)} at ${found.url}`;
      ctx.observed = observed;
      check(
        published !== undefined,
        'the metadata has no issuer (RFC 8414 §2 requires it)',
        observed,
      );
      check(
        published === issuer,
        `the metadata issuer is not identical to the configured issuer ${quotedJson(issuer)}`,
        observed,
      );
      // The run was stopped for the document fetched when the target was resolved: a server
      // that answers this fetch differently still does not get a passing run.
      check(
        ctx.target.metadataRejected === undefined,
        `when the target was resolved, ${ctx.target.metadataRejected ?? ''} (the server's answers differ from one request to the next)`,
        observed,
      );
    },
  }),
  defineScenario({
    id: 'DISC-02',
    title: 'token_endpoint_auth_methods_supported lists the mTLS methods in use',
    section: 'DISC',
    level: 'MUST',
    spec: 'RFC 8705 §2.3',
    requires: [needs.metadata, mtlsClientConfigured],
    expected:
      'token_endpoint_auth_methods_supported contains every mTLS method the configured clients use',
    serverState: [],
    async run(ctx) {
      const { document } = await requireMetadataDocument(ctx);
      const used = mtlsMethodsInConfig(ctx.target);
      const methods = document.token_endpoint_auth_methods_supported;
      const observed = `token_endpoint_auth_methods_supported: ${methods === undefined ? '(absent)' : quotedJson(methods)}`;
      ctx.observed = observed;
      check(
        methods !== undefined,
        `token_endpoint_auth_methods_supported is absent (RFC 8414 §2: then only client_secret_basic is supported), but the config uses ${used.join(', ')}`,
        observed,
      );
      check(
        Array.isArray(methods),
        'token_endpoint_auth_methods_supported is not a JSON array',
        observed,
      );
      const missing = used.filter((m) => !methods.includes(m));
      check(
        missing.length === 0,
        `token_endpoint_auth_methods_supported does not list ${missing.join(', ')}, used by the configured clients`,
        observed,
      );
    },
  }),
  defineScenario({
    id: 'DISC-03',
    title: 'tls_client_certificate_bound_access_tokens is true',
    section: 'DISC',
    level: 'MUST',
    spec: 'RFC 8705 §3.3',
    requires: [needs.metadata, boundTokenClient],
    expected: 'tls_client_certificate_bound_access_tokens: true in the metadata',
    serverState: [],
    async run(ctx) {
      const { document } = await requireMetadataDocument(ctx);
      const value = document.tls_client_certificate_bound_access_tokens;
      const observed = `tls_client_certificate_bound_access_tokens: ${value === undefined ? '(absent)' : quotedJson(value)}`;
      ctx.observed = observed;
      check(
        value !== undefined,
        'tls_client_certificate_bound_access_tokens is absent (RFC 8705 §3.3: the default is false)',
        observed,
      );
      check(
        value === true,
        'tls_client_certificate_bound_access_tokens is not the JSON value true',
        observed,
      );
    },
  }),
  defineScenario({
    id: 'DISC-04',
    title: 'mtls_endpoint_aliases is an object of absolute https URLs for known endpoints',
    section: 'DISC',
    level: 'MUST',
    spec: 'RFC 8705 §5',
    requires: [needs.metadata, needs.aliases],
    expected:
      'mtls_endpoint_aliases is a JSON object; each member names an endpoint parameter and its value is an absolute https URL',
    serverState: [],
    async run(ctx) {
      const { document } = await requireMetadataDocument(ctx);
      const aliases = document.mtls_endpoint_aliases;
      const observed = `mtls_endpoint_aliases: ${quotedJson(aliases, FIELD_CAP)}`;
      ctx.observed = observed;
      check(isObject(aliases), 'mtls_endpoint_aliases is not a JSON object', observed);
      const problems: string[] = [];
      const unknownEndpoints: string[] = [];
      for (const [name, value] of Object.entries(aliases)) {
        if (typeof value !== 'string' || !isAbsoluteHttpsUrl(value)) {
          problems.push(`${name} is not an absolute https URL (${quotedJson(value)})`);
        }
        if (KNOWN_ALIAS_NAMES.includes(name)) continue;
        if (name.endsWith('_endpoint')) unknownEndpoints.push(name);
        else problems.push(`${name} is not an endpoint parameter name`);
      }
      check(problems.length === 0, `mtls_endpoint_aliases: ${problems.join('; ')}`, observed);
      if (unknownEndpoints.length > 0) {
        throw new ScenarioFailure(
          `mtls_endpoint_aliases names endpoints this harness does not know: ${unknownEndpoints.join(', ')}`,
          {
            observed,
            judgedAs: 'SHOULD',
            levelNote:
              'unknown *_endpoint names are judged SHOULD: RFC 8705 §5 lets aliases cover endpoints defined by other specifications, which the harness cannot tell from a typo',
          },
        );
      }
    },
  }),
  defineScenario({
    id: 'DISC-05',
    title:
      'every alias names a conventionally published endpoint; authorization_endpoint not aliased',
    section: 'DISC',
    level: 'SHOULD',
    spec: 'RFC 8705 §5',
    requires: [needs.metadata, needs.aliases],
    expected:
      'each aliased endpoint is also published under its own name, and authorization_endpoint (reached by the user agent) is not aliased',
    serverState: [],
    async run(ctx) {
      const { document } = await requireMetadataDocument(ctx);
      const aliases = requireAliasObject(document);
      noteAliasesInUse(ctx.target, (text) => ctx.note(text));
      const problems: string[] = [];
      const unpublished = Object.keys(aliases).filter((name) => typeof document[name] !== 'string');
      if (unpublished.length > 0) {
        problems.push(`aliased but not published conventionally: ${unpublished.join(', ')}`);
      }
      if ('authorization_endpoint' in aliases) {
        problems.push(
          'authorization_endpoint is aliased, but the user agent reaches it, not the client’s mTLS stack',
        );
      }
      const observed = `aliased: ${Object.keys(aliases).join(', ') || '(none)'}`;
      ctx.observed = observed;
      check(problems.length === 0, problems.join('; '), observed);
    },
  }),
  defineScenario({
    id: 'DISC-06',
    title: 'TLS version and cipher negotiated on each mTLS endpoint',
    section: 'DISC',
    level: 'INFO',
    spec: 'RFC 8705 §8',
    requires: [needs.token],
    expected:
      'recorded: the protocol and cipher of each mTLS endpoint; TLS 1.3 keeps the client certificate from passive observers',
    serverState: [],
    async run(ctx) {
      const identity = probeIdentity(ctx.target);
      const probes = [];
      for (const site of mtlsOrigins(ctx.target)) {
        const probe = await probeTls(ctx, site, identity);
        probes.push(probe);
        if (probe.tls) ctx.note(`${site.origin}: ${clientCertificatePrivacy(probe.tls)}`);
      }
      ctx.observed = probes.map((p) => p.summary).join('; ');
    },
  }),
];

/** RFC 8705 §5: the harness sends every mTLS call to the alias; the report says which. */
function noteAliasesInUse(target: Target, note: (text: string) => void): void {
  const used = (Object.keys(target.mtlsEndpoints) as EndpointName[])
    .filter((name) => target.mtlsEndpoints[name] !== target.endpoints[name])
    .map((name) => `${name} → ${target.mtlsEndpoints[name]}`);
  if (used.length > 0) {
    note(`the harness uses the mTLS aliases for every mTLS call: ${used.join(', ')}`);
  } else {
    note(
      'no alias differs from its conventional endpoint: the harness calls the conventional ones',
    );
  }
}

/** The certificate the endpoints expect: the binding client's, else any configured one. */
function probeIdentity(target: Target): Identity | null {
  return (
    bindingClient(target)?.identity ??
    target.clients.find((c) => c.identity !== undefined)?.identity ??
    null
  );
}

function isAbsoluteHttpsUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && url.hostname !== '';
  } catch {
    return false;
  }
}

import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { expect } from 'chai';
import { DEFECTS, type DefectName, type DefectServerOptions } from '../../lib/reference/defects.js';
import { type LegacyTlsVersion, probeLegacyTls } from '../../lib/tls/legacy-tls-probe.js';
import {
  jwtCnf,
  pemToBase64Der,
  ReferenceFixture,
  type RunningReference,
} from './reference-fixture.js';

const VICTIM_DN = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';

/**
 * One observable per defect: the probe makes the one request the defect is about and returns
 * what it observed. Each is run against the conformant server and against the server with the
 * defect, and must give `conformant` there and `defective` here.
 */
interface DefectProbe {
  probe: (ref: RunningReference, fixture: ReferenceFixture) => Promise<unknown>;
  conformant: unknown;
  defective: unknown;
}

const status = (answer: { status: number }) => answer.status;

async function publicTokens(ref: RunningReference) {
  const answer = await ref.authorizationCodeTokens('public-client');
  if (answer.status !== 200) throw new Error(`authorization code flow: ${answer.text}`);
  return answer.json as { access_token: string; refresh_token: string };
}

const CLIENT_B_DN = 'CN=client-b,OU=clients,O=mtls-conformance,C=US';

function basic(clientId: string, secret: string): Record<string, string> {
  return { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` };
}

/** secret-client's client_credentials request, with `identity`'s certificate. */
async function secretClientToken(ref: RunningReference, identity: string | null) {
  const { client_secret: secret = '' } = ref.targetClient('secret-client');
  return ref.token(identity, { grant_type: 'client_credentials' }, basic('secret-client', secret));
}

/** A tls_client_auth client registered for client-b's subject (RFC 7591), with its credentials. */
async function registeredForClientB(ref: RunningReference) {
  const registered = await ref.register({
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: CLIENT_B_DN,
  });
  if (registered.status !== 201) throw new Error(`registration: ${registered.text}`);
  const {
    client_id: clientId,
    registration_client_uri: uri,
    registration_access_token: token,
  } = registered.json as Record<
    'client_id' | 'registration_client_uri' | 'registration_access_token',
    string
  >;
  return { clientId, uri, headers: { authorization: `Bearer ${token}` } };
}

async function registeredSubjectless(ref: RunningReference) {
  return ref.register({ token_endpoint_auth_method: 'tls_client_auth' });
}

/** A pushed authorization request for client-a over `identity`'s connection (null: none). */
function pushForClientA(ref: RunningReference, identity: string | null) {
  return ref.par(identity, {
    client_id: 'client-a',
    response_type: 'code',
    redirect_uri: 'https://client.example.test/callback',
  });
}

const PROBES: Record<DefectName, DefectProbe> = {
  'accept-missing-client-id': {
    probe: async (ref) => status(await ref.clientCredentials('client-a', undefined)),
    conformant: 400,
    defective: 200,
  },
  'identify-client-by-cert-only': {
    probe: async (ref) => {
      const answer = await ref.clientCredentials('client-b', 'client-a');
      return answer.status;
    },
    conformant: 401,
    defective: 200,
  },
  'fallback-to-client-id-only': {
    probe: async (ref) => status(await ref.clientCredentials(null, 'client-a')),
    conformant: 401,
    defective: 200,
  },
  'skip-chain-validation': {
    probe: async (ref) => status(await ref.clientCredentials('client-a-untrusted-ca', 'client-a')),
    conformant: 401,
    defective: 200,
  },
  'accept-self-signed-for-pki': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a-self-signed', 'client-a')),
      status(await ref.clientCredentials('client-a-untrusted-ca', 'client-a')),
    ],
    conformant: [401, 401],
    defective: [200, 401],
  },
  'accept-expired': {
    probe: async (ref) => status(await ref.clientCredentials('client-a-expired', 'client-a')),
    conformant: 401,
    defective: 200,
  },
  'accept-not-yet-valid': {
    probe: async (ref) => status(await ref.clientCredentials('client-a-not-yet-valid', 'client-a')),
    conformant: 401,
    defective: 200,
  },
  'no-eku-check': {
    probe: async (ref) => status(await ref.clientCredentials('client-a-server-eku', 'client-a')),
    conformant: 401,
    defective: 200,
  },
  'no-intermediate-chain': {
    probe: async (ref) => status(await ref.clientCredentials('chained-client', 'chained-client')),
    conformant: 200,
    defective: 401,
  },
  'ignore-issuer': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a-second-ca', 'client-a')),
      status(await ref.clientCredentials('client-a-untrusted-ca', 'client-a')),
    ],
    conformant: [401, 401],
    defective: [200, 401],
  },
  'naive-dn-string-match': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a-dn-injection', 'client-a')),
      status(await ref.clientCredentials('client-a', 'client-a')),
    ],
    conformant: [401, 200],
    defective: [200, 200],
  },
  'ignore-extra-rdn': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a-extra-rdn', 'client-a')),
      status(await ref.clientCredentials('client-a', 'client-a')),
    ],
    conformant: [401, 200],
    defective: [200, 200],
  },
  'dn-order-reversed': {
    probe: async (ref) => status(await ref.clientCredentials('client-a', 'client-a')),
    conformant: 200,
    defective: 401,
  },
  'ignore-subject': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-b', 'client-a')),
      status(await ref.clientCredentials('client-b', 'client-a-san-dns')),
    ],
    conformant: [401, 401],
    defective: [200, 200],
  },
  'san-suffix-match': {
    probe: async (ref) => [
      status(await ref.clientCredentials('san-dns-suffix', 'client-a-san-dns')),
      status(await ref.clientCredentials('san-other-type', 'client-a-san-dns')),
    ],
    conformant: [401, 401],
    defective: [200, 401],
  },
  'allow-two-auth-methods': {
    probe: async (ref) =>
      status(
        await ref.clientCredentials('client-a', 'client-a', {
          authorization: `Basic ${Buffer.from('client-a:x').toString('base64')}`,
        }),
      ),
    conformant: 400,
    defective: 200,
  },
  'as-trust-cert-header': {
    probe: async (ref, fixture) => {
      const pem = fixture.files('client-a').certPem;
      const der = pemToBase64Der(pem);
      return [
        status(
          await ref.clientCredentials(null, 'client-a', {
            'x-ssl-client-cert': encodeURIComponent(pem),
          }),
        ),
        status(await ref.clientCredentials(null, 'client-a', { 'client-cert': `:${der}:` })),
        status(
          await ref.clientCredentials('client-b', 'client-a', {
            'x-forwarded-client-cert': `Hash=00;Cert="${encodeURIComponent(pem)}"`,
          }),
        ),
        status(
          await ref.clientCredentials(null, 'self-signed-client', {
            'x-arr-clientcert': pemToBase64Der(fixture.files('self-signed-client').certPem),
          }),
        ),
      ];
    },
    conformant: [401, 401, 401, 401],
    defective: [200, 200, 200, 200],
  },
  'self-signed-requires-ca': {
    probe: async (ref) =>
      status(await ref.clientCredentials('self-signed-client', 'self-signed-client')),
    conformant: 200,
    defective: 401,
  },
  'self-signed-match-by-subject': {
    probe: async (ref) =>
      status(await ref.clientCredentials('self-signed-client-rekeyed', 'self-signed-client')),
    conformant: 401,
    defective: 200,
  },
  'self-signed-accept-any-trusted': {
    probe: async (ref) => status(await ref.clientCredentials('client-b', 'self-signed-client')),
    conformant: 401,
    defective: 200,
  },
  'wrong-issuer': {
    probe: async (ref) => (await ref.metadata()).json.issuer === ref.issuer,
    conformant: true,
    defective: false,
  },
  'methods-not-advertised': {
    probe: async (ref) =>
      (await ref.metadata()).json.token_endpoint_auth_methods_supported.includes('tls_client_auth'),
    conformant: true,
    defective: false,
  },
  'bound-tokens-not-advertised': {
    probe: async (ref) => (await ref.metadata()).json.tls_client_certificate_bound_access_tokens,
    conformant: true,
    defective: undefined,
  },
  'aliases-malformed': {
    probe: async (ref) => {
      const aliases = (await ref.metadata()).json.mtls_endpoint_aliases;
      return [
        Object.values(aliases).every((url) => URL.canParse(url as string)),
        'resource_endpoint' in aliases,
        status(await ref.clientCredentials('client-a', 'client-a')),
      ];
    },
    conformant: [true, false, 200],
    defective: [false, true, 200],
  },
  'authorization-endpoint-aliased': {
    probe: async (ref) =>
      'authorization_endpoint' in (await ref.metadata()).json.mtls_endpoint_aliases,
    conformant: false,
    defective: true,
  },
  'aliases-not-advertised': {
    probe: async (ref) => [
      'mtls_endpoint_aliases' in (await ref.metadata()).json,
      // The listener still runs.
      status(await ref.clientCredentials('client-a', 'client-a')),
    ],
    conformant: [true, 200],
    defective: [false, 200],
  },
  'no-cnf': {
    probe: async (ref) => jwtCnf(await ref.accessToken('client-a', 'client-a')) !== undefined,
    conformant: true,
    defective: false,
  },
  'wrong-cnf': {
    probe: async (ref, fixture) => {
      const token = await ref.accessToken('client-a', 'client-a');
      const hex = Buffer.from(fixture.x5t('client-a'), 'base64url').toString('hex');
      return [jwtCnf(token) === hex, status(await ref.resource('client-a', token))];
    },
    conformant: [false, 200],
    defective: [true, 401],
  },
  'public-client-tokens-unbound': {
    probe: async (ref) => {
      const tokens = await publicTokens(ref);
      return [
        jwtCnf(tokens.access_token) !== undefined,
        status(await ref.resource('client-b', tokens.access_token)),
      ];
    },
    conformant: [true, 401],
    defective: [false, 200],
  },
  'binding-cached-per-client': {
    probe: async (ref, fixture) => {
      await ref.accessToken('client-a', 'client-a');
      const rotated = await ref.accessToken('client-a-rotated', 'client-a');
      return jwtCnf(rotated) === fixture.x5t('client-a');
    },
    conformant: false,
    defective: true,
  },
  'refresh-unbound': {
    probe: async (ref) => {
      const tokens = await publicTokens(ref);
      return status(
        await ref.token('self-signed-client-rekeyed', {
          grant_type: 'refresh_token',
          client_id: 'public-client',
          refresh_token: tokens.refresh_token,
        }),
      );
    },
    conformant: 400,
    defective: 200,
  },
  'introspection-omits-cnf': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      const introspection = (await ref.introspect('client-a', 'client-a', token)).json;
      return [introspection.active, 'cnf' in introspection];
    },
    conformant: [true, true],
    defective: [true, false],
  },
  'revocation-ignored': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      const revoked = status(await ref.revoke('client-a', 'client-a', token));
      return [
        revoked,
        (await ref.introspect('client-a', 'client-a', token)).json.active,
        status(await ref.resource('client-a', token)),
      ];
    },
    conformant: [200, false, 401],
    defective: [200, true, 200],
  },
  'revocation-ignores-client': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      await ref.revoke('client-b', 'client-b', token);
      return (await ref.introspect('client-a', 'client-a', token)).json.active;
    },
    conformant: true,
    defective: false,
  },
  'rs-ignore-binding': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      return [
        status(await ref.resource('client-b', token)),
        status(await ref.resource(null, token)),
      ];
    },
    conformant: [401, 401],
    defective: [200, 200],
  },
  'rs-allow-missing-cert': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      return [
        status(await ref.resource(null, token)),
        status(await ref.resource('client-b', token)),
      ];
    },
    conformant: [401, 401],
    defective: [200, 401],
  },
  'rs-bind-by-subject': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      return [
        status(await ref.resource('client-a-untrusted-ca', token)),
        status(await ref.resource('client-b', token)),
      ];
    },
    conformant: [401, 401],
    defective: [200, 401],
  },
  'rs-trust-cert-header': {
    probe: async (ref, fixture) => {
      const token = await ref.accessToken('client-a', 'client-a');
      const der = pemToBase64Der(fixture.files('client-a').certPem);
      return [
        status(await ref.resource(null, token, { 'client-cert': `:${der}:` })),
        status(await ref.resource('client-b', token, { 'x-forwarded-tls-client-cert': der })),
        status(await ref.resource(null, token)),
      ];
    },
    conformant: [401, 401, 401],
    defective: [200, 200, 401],
  },
  'rs-403-instead-of-401': {
    probe: async (ref) =>
      status(await ref.resource('client-b', await ref.accessToken('client-a', 'client-a'))),
    conformant: 401,
    defective: 403,
  },
  'rs-no-www-authenticate': {
    probe: async (ref) => {
      const answer = await ref.resource('client-b', await ref.accessToken('client-a', 'client-a'));
      return [answer.status, answer.headers['www-authenticate'] !== undefined];
    },
    conformant: [401, true],
    defective: [401, false],
  },
  'registration-loses-subject-dn': {
    probe: async (ref) => {
      const registered = await ref.register({
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: VICTIM_DN,
      });
      return [
        registered.status,
        registered.json.tls_client_auth_subject_dn,
        status(await ref.clientCredentials('client-a', registered.json.client_id)),
      ];
    },
    conformant: [201, VICTIM_DN, 200],
    defective: [201, undefined, 401],
  },
  'registration-accepts-two-subjects': {
    probe: async (ref) => {
      const registered = await ref.register({
        token_endpoint_auth_method: 'tls_client_auth',
        tls_client_auth_subject_dn: VICTIM_DN,
        tls_client_auth_san_dns: 'client-b.clients.example.test',
      });
      if (registered.status !== 201) return [registered.status];
      // The first subject is kept: client-b's certificate still does not authenticate.
      return [
        registered.status,
        status(await ref.clientCredentials('client-b', registered.json.client_id)),
      ];
    },
    conformant: [400],
    defective: [201, 401],
  },
  'registration-accepts-no-subject': {
    probe: async (ref) => {
      const registered = await registeredSubjectless(ref);
      if (registered.status !== 201) return [registered.status];
      return [
        registered.status,
        status(await ref.clientCredentials('client-b', registered.json.client_id)),
      ];
    },
    conformant: [400],
    defective: [201, 200],
  },
  'bound-token-without-certificate': {
    probe: async (ref) => status(await secretClientToken(ref, null)),
    conformant: 400,
    defective: 200,
  },
  'bind-only-mtls-clients': {
    probe: async (ref, fixture) =>
      jwtCnf((await secretClientToken(ref, 'client-b')).json.access_token) ===
      fixture.x5t('client-b'),
    conformant: true,
    defective: false,
  },
  'refresh-token-any-client': {
    probe: async (ref) => {
      const { refresh_token: stolen = '' } = ref.targetClient('secret-post-client');
      return status(
        await ref.token('client-b', {
          grant_type: 'refresh_token',
          refresh_token: stolen,
          ...(await ref.clientAssertion('jwt-client', 'client-b')),
        }),
      );
    },
    conformant: 400,
    defective: 200,
  },
  'userinfo-ignores-binding': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      return [
        status(await ref.userinfo('client-a', token)),
        status(await ref.userinfo(null, token)),
      ];
    },
    conformant: [200, 401],
    defective: [200, 200],
  },
  'secret-client-by-certificate': {
    probe: async (ref) => status(await ref.clientCredentials('client-b', 'secret-client')),
    conformant: 401,
    defective: 200,
  },
  'introspection-without-client-auth': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      const answer = await ref.fixture.call(null, ref.url('/introspect'), {
        form: { client_id: 'client-a', token },
      });
      return [answer.status, answer.json?.active];
    },
    conformant: [401, undefined],
    defective: [200, true],
  },
  'revocation-without-client-auth': {
    probe: async (ref) => {
      const token = await ref.accessToken('client-a', 'client-a');
      const answer = await ref.fixture.call(null, ref.url('/revoke'), {
        form: { client_id: 'client-a', token },
      });
      return [answer.status, status(await ref.resource('client-a', token))];
    },
    conformant: [401, 200],
    defective: [200, 401],
  },
  'par-without-client-auth': {
    probe: async (ref) => {
      const push = (identity: string | null) => pushForClientA(ref, identity);
      return [status(await push('client-a')), status(await push(null))];
    },
    conformant: [201, 401],
    defective: [201, 201],
  },
  'code-without-certificate': {
    probe: async (ref) => {
      const answer = await ref.redeemCode(
        null,
        'code-client',
        await ref.authorizationCode('code-client'),
      );
      const token = (answer.json as { access_token?: string } | undefined)?.access_token;
      return [status(answer), token === undefined ? null : jwtCnf(token) !== undefined];
    },
    conformant: [401, null],
    defective: [200, false],
  },
  'code-redeemable-by-other-client': {
    probe: async (ref) => [
      // The code's own client with its certificate: the control.
      status(
        await ref.redeemCode('client-a', 'code-client', await ref.authorizationCode('code-client')),
      ),
      status(
        await ref.redeemCode('client-b', 'client-b', await ref.authorizationCode('code-client')),
      ),
    ],
    conformant: [200, 400],
    defective: [200, 200],
  },
  'par-client-auth-optional': {
    probe: async (ref) => {
      const push = (identity: string | null) => pushForClientA(ref, identity);
      // Own certificate, none at all, another client's certificate.
      return [
        status(await push('client-a')),
        status(await push(null)),
        status(await push('client-b')),
      ];
    },
    conformant: [201, 401, 401],
    defective: [201, 201, 401],
  },
  'par-not-aliased': {
    probe: async (ref) => {
      const aliases = (await ref.metadata()).json.mtls_endpoint_aliases as Record<string, string>;
      return ['token_endpoint' in aliases, 'pushed_authorization_request_endpoint' in aliases];
    },
    conformant: [true, true],
    defective: [true, false],
  },
  'registration-management-without-mtls': {
    probe: async (ref) => {
      const { uri, headers } = await registeredForClientB(ref);
      return [
        status(await ref.fixture.call('client-b', uri, { headers })),
        status(await ref.fixture.call(null, uri, { headers })),
      ];
    },
    conformant: [200, 401],
    defective: [200, 200],
  },
  'deleted-client-still-accepted': {
    probe: async (ref) => {
      const { clientId, uri, headers } = await registeredForClientB(ref);
      const deleted = await ref.fixture.call('client-b', uri, { method: 'DELETE', headers });
      return [deleted.status, status(await ref.clientCredentials('client-b', clientId))];
    },
    conformant: [204, 401],
    defective: [204, 200],
  },
  'self-signed-registration-without-x5c': {
    probe: async (ref, fixture) => {
      const cert = new X509Certificate(fixture.files('self-signed-client').certPem);
      const registered = await ref.register({
        token_endpoint_auth_method: 'self_signed_tls_client_auth',
        jwks: { keys: [cert.publicKey.export({ format: 'jwk' })] },
      });
      if (registered.status !== 201) return [registered.status];
      return [
        registered.status,
        status(await ref.clientCredentials('self-signed-client', registered.json.client_id)),
      ];
    },
    conformant: [400],
    defective: [201, 401],
  },
  // --- validation depth (issue 16) ---
  'subject-matched-against-chain': {
    probe: async (ref) =>
      status(await ref.clientCredentials('chained-client', 'intermediate-ca-subject')),
    conformant: 401,
    defective: 200,
  },
  'no-basic-constraints-check': {
    probe: async (ref) =>
      status(await ref.clientCredentials('client-a-issued-by-leaf', 'client-a')),
    conformant: 401,
    defective: 200,
  },
  'ignore-critical-extensions': {
    probe: async (ref) =>
      status(await ref.clientCredentials('client-a-critical-extension', 'client-a')),
    conformant: 401,
    defective: 200,
  },
  'names-cut-at-nul': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a-nul-cn', 'client-a')),
      status(await ref.clientCredentials('client-a-nul-san', 'client-a-san-dns')),
      status(await ref.clientCredentials('client-a-homoglyph-cn', 'client-a')),
    ],
    conformant: [401, 401, 401],
    defective: [200, 200, 401],
  },
  'names-folded-to-ascii': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a-homoglyph-cn', 'client-a')),
      status(await ref.clientCredentials('client-a-nul-cn', 'client-a')),
    ],
    conformant: [401, 401],
    defective: [200, 401],
  },
  'trust-by-issuer-name': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a-look-alike', 'client-a')),
      status(await ref.clientCredentials('client-a-issued-by-leaf', 'client-a')),
    ],
    conformant: [401, 401],
    defective: [200, 401],
  },
  'dn-string-compare': {
    probe: async (ref) => [
      status(await ref.clientCredentials('client-a', 'client-a')),
      status(await ref.clientCredentials('client-a', 'client-a-dn-spacing')),
      status(await ref.clientCredentials('client-a', 'client-a-dn-attribute-name-case')),
      status(await ref.clientCredentials('client-a', 'client-a-dn-oid-hex')),
    ],
    conformant: [200, 200, 200, 200],
    defective: [200, 401, 401, 401],
  },
  'self-signed-first-cert-only': {
    probe: async (ref) => [
      status(await ref.clientCredentials('self-signed-two-keys-1', 'self-signed-two-keys')),
      status(await ref.clientCredentials('self-signed-two-keys-2', 'self-signed-two-keys')),
      status(
        await ref.clientCredentials('self-signed-two-keys-unregistered', 'self-signed-two-keys'),
      ),
    ],
    conformant: [200, 200, 401],
    defective: [200, 401, 401],
  },
  'legacy-tls-enabled': {
    probe: async (ref, fixture) => {
      const handshake = async (version: LegacyTlsVersion) =>
        (
          await probeLegacyTls({
            url: ref.url('/token'),
            version,
            identity: null,
            serverCaPem: fixture.files('root-ca').certPem,
            timeoutMs: 5_000,
          })
        ).outcome.kind;
      return [await handshake('TLSv1'), await handshake('TLSv1.1')];
    },
    conformant: ['refused', 'refused'],
    defective: ['accepted', 'accepted'],
  },
};

function modeKey(options: DefectServerOptions | undefined): string {
  return `${options?.aliases === true ? 'aliases' : 'single'}/${options?.tokenFormat ?? 'jwt'}`;
}

describe('reference server defect switches', function () {
  this.timeout(30_000);
  let fixture: ReferenceFixture;
  /** The conformant server per mode, started on first use. */
  const conformant = new Map<string, RunningReference>();

  before(async () => {
    fixture = await ReferenceFixture.create();
    const root = await fixture.ca('root-ca');
    await Promise.all([
      fixture.mintSanNearMisses(),
      fixture.mintIdentity('client-a-rotated', { subject: VICTIM_DN, issuer: root }),
    ]);
  });
  after(async () => {
    await fixture?.close();
  });

  async function conformantServer(
    options: DefectServerOptions | undefined,
  ): Promise<RunningReference> {
    const key = modeKey(options);
    let ref = conformant.get(key);
    if (ref === undefined) {
      ref = await fixture.start({ ...options });
      conformant.set(key, ref);
    }
    return ref;
  }

  it('has a probe for every registered defect, and every defect names catalog IDs', () => {
    expect(Object.keys(PROBES).sort()).to.deep.equal(DEFECTS.map((d) => d.name).sort());
    for (const defect of DEFECTS) {
      expect(defect.fails, defect.name).to.not.be.empty;
      for (const id of defect.fails) {
        expect(id).to.match(/^(DISC|PKI|SELF|BIND|REG|PUB|HOK|EP|CODE)-\d\d$/);
      }
    }
  });

  for (const defect of DEFECTS) {
    const probe = PROBES[defect.name];
    it(`${defect.name}: ${defect.description}`, async () => {
      const reference = await conformantServer(defect.serverOptions);
      expect(await probe.probe(reference, fixture), 'conformant server').to.deep.equal(
        probe.conformant,
      );
      const defective = await fixture.start({ ...defect.serverOptions, defects: [defect.name] });
      try {
        expect(await probe.probe(defective, fixture), `with ${defect.name}`).to.deep.equal(
          probe.defective,
        );
      } finally {
        await defective.close();
      }
    });
  }
});

import type { Dn } from '../certs/rfc4514.js';
import type { AccessTokens } from './access-tokens.js';
import type { ClientRegistry } from './clients.js';
import type { Defects } from './defects.js';
import type { LoginState } from './login-sessions.js';
import type { RecentlyUsed } from './recently-used.js';
import type { SigningKey } from './signing-key.js';
import type { TokenStore } from './token-store.js';

/** Where each endpoint lives, relative to a listener's base URL. */
export const PATHS = {
  metadata: '/.well-known/oauth-authorization-server',
  openidConfiguration: '/.well-known/openid-configuration',
  authorization: '/authorize',
  token: '/token',
  introspection: '/introspect',
  revocation: '/revoke',
  registration: '/register',
  jwks: '/jwks',
  resource: '/resource',
  userinfo: '/userinfo',
  par: '/par',
  login: '/login',
  consent: '/consent',
} as const;

/** What the endpoint handlers of one server instance share. */
export interface ReferenceServices {
  /** The issuer identifier, as tokens carry it (metadata may misstate it under a defect). */
  issuer: string;
  /** Base URL of the listener that asks for client certificates. */
  mtlsBaseUrl: string;
  /** Whether the server runs a separate mTLS listener (RFC 8705 §5 endpoint aliases). */
  aliases: boolean;
  defects: Defects;
  clients: ClientRegistry;
  store: TokenStore;
  accessTokens: AccessTokens;
  signingKey: SigningKey;
  /** CAs a dynamically registered tls_client_auth client may present certificates from. */
  registrationIssuers: Dn[];
  /** The jti of every recent client assertion (RFC 7523 §3: each is used once). */
  assertionJtis: RecentlyUsed<string, true>;
  /** `--login-page`: authorization requests go through a sign-in form and a consent page. */
  login?: LoginState;
}

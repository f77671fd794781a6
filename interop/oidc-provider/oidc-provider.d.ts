// oidc-provider 8 ships no types (and @types/oidc-provider would be one more dependency): only
// what the interop server calls.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { TLSSocket } from 'node:tls';

  /** The koa context the mTLS hooks receive. */
  export interface ProviderContext {
    socket: TLSSocket;
    oidc: { client?: { clientId: string } };
  }

  /** An access token or client-credentials token as the token models return it. */
  export interface StoredAccessToken {
    clientId: string;
    isExpired: boolean;
    'x5t#S256'?: string;
  }

  interface TokenModel {
    find(value: string): Promise<StoredAccessToken | undefined>;
  }

  /** A stored grant (the user's consent), what a refresh token refers to. */
  interface GrantInstance {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  }

  interface SavedModel {
    save(): Promise<string>;
  }

  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    readonly AccessToken: TokenModel;
    readonly ClientCredentials: TokenModel;
    readonly Grant: new (properties: {
      clientId: string;
      accountId: string;
    }) => GrantInstance;
    readonly RefreshToken: new (
      properties: Record<string, unknown>,
    ) => SavedModel;
    readonly Client: { find(clientId: string): Promise<unknown> };
    on(event: string, listener: (...args: unknown[]) => void): this;
  }
}

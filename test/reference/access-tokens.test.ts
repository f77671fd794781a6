import { expect } from 'chai';
import { AccessTokens } from '../../lib/reference/access-tokens.js';
import type { RegisteredClient } from '../../lib/reference/clients.js';
import { SigningKey } from '../../lib/reference/signing-key.js';
import { TokenStore } from '../../lib/reference/token-store.js';

const ISSUER = 'https://127.0.0.1:8443';

const CLIENT: RegisteredClient = {
  clientId: 'secret-client',
  authMethod: 'client_secret_basic',
  acceptedIssuers: [],
  selfSignedCertificates: [],
  assertionKeys: [],
  boundTokens: true,
  grantTypes: ['client_credentials'],
  redirectUris: [],
  autoApprove: false,
  metadata: {},
};

describe('reference server: JWT access tokens', () => {
  let signingKey: SigningKey;
  let store: TokenStore;

  const accessTokens = (issuer = ISSUER) =>
    new AccessTokens({
      issuer,
      audience: `${issuer}/resource`,
      format: 'jwt',
      signingKey,
      store,
      defects: new Set(),
    });

  before(async () => {
    signingKey = await SigningKey.generate();
  });

  beforeEach(() => {
    store = new TokenStore();
  });

  it('resolves a token it issued while its record is unexpired', async () => {
    const tokens = accessTokens();
    const { access_token: token } = await tokens.issue(CLIENT, null, 'read');
    const record = await tokens.find(token);
    expect(record?.clientId).to.equal(CLIENT.clientId);
    expect(record?.scope).to.equal('read');
    if (record === undefined) return;
    record.expiresAt = Math.floor(Date.now() / 1000);
    expect(await tokens.find(token)).to.equal(undefined);
  });

  it('checks the signature of every other string', async () => {
    const { access_token: token } = await accessTokens().issue(CLIENT, null, undefined);
    // Another instance over the same key and store has not seen the token: it verifies it.
    const fresh = accessTokens();
    expect((await fresh.find(token))?.clientId).to.equal(CLIENT.clientId);
    const signature = token.slice(token.lastIndexOf('.') + 1);
    const flipped = `${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`;
    expect(await fresh.find(`${token.slice(0, token.lastIndexOf('.') + 1)}${flipped}`)).to.equal(
      undefined,
    );
    // The same key and jti, but not this issuer's token.
    expect(await accessTokens('https://elsewhere.example').find(token)).to.equal(undefined);
  });
});

import { expect } from 'chai';
import {
  advertisesMtlsAuth,
  assessMtlsSupport,
  describeMtlsSupport,
  registrationUrl,
} from '../../lib/onboarding/mtls-support.js';

describe('lib/onboarding what the metadata says about mTLS', () => {
  it('reads methods, bound tokens and aliases; registration goes to the alias', () => {
    const support = assessMtlsSupport({
      token_endpoint_auth_methods_supported: ['tls_client_auth', 'private_key_jwt'],
      tls_client_certificate_bound_access_tokens: true,
      registration_endpoint: 'https://as.example.test/register',
      mtls_endpoint_aliases: {
        registration_endpoint: 'https://mtls.as.example.test/register',
        token_endpoint: 'http://not-https.example.test/token',
      },
    });
    expect(support.supports).to.deep.equal({
      tls_client_auth: true,
      self_signed_tls_client_auth: false,
      none: false,
      private_key_jwt: true,
    });
    expect(advertisesMtlsAuth(support)).to.equal(true);
    expect(support.aliases).to.deep.equal({
      registration_endpoint: 'https://mtls.as.example.test/register',
    });
    expect(registrationUrl(support)).to.equal('https://mtls.as.example.test/register');
    const lines = describeMtlsSupport(support).join('\n');
    expect(lines).to.include('yes  tls_client_auth');
    expect(lines).to.include('yes  private_key_jwt');
    expect(lines).to.include('no   self_signed_tls_client_auth is not advertised');
    expect(lines).to.include('no   no introspection_endpoint');
  });

  it('absent token_endpoint_auth_methods_supported means client_secret_basic only (RFC 8414)', () => {
    const support = assessMtlsSupport({ token_endpoint: 'https://as.example.test/token' });
    expect(support.authMethods).to.deep.equal(['client_secret_basic']);
    expect(advertisesMtlsAuth(support)).to.equal(false);
    expect(describeMtlsSupport(support).join('\n')).to.include(
      'tls_client_certificate_bound_access_tokens is not true',
    );
  });
});

import type { Section } from '../report/run-result.js';

/** How each catalog section is titled in mocha and in the HTML report. */
export const SECTION_TITLES: Readonly<Record<Section, string>> = {
  DISC: 'DISC — discovery and metadata',
  PKI: 'PKI — tls_client_auth (RFC 8705 §2.1)',
  SELF: 'SELF — self_signed_tls_client_auth (RFC 8705 §2.2)',
  BIND: 'BIND — certificate-bound access tokens (RFC 8705 §3)',
  REG: 'REG — dynamic registration (RFC 7591, RFC 8705 §2)',
  PUB: 'PUB — public clients, binding only (RFC 8705 §4)',
  HOK: 'HOK — certificate binding whatever the client authentication (RFC 8705 §3, §4, §7.1)',
  EP: 'EP — client authentication at every endpoint that takes it (RFC 8705 §2, §5)',
  CODE: 'CODE — authorization code and PAR with a real login (RFC 6749 §4.1, RFC 7636, RFC 9126)',
};

import { dnEquals } from '../certs/rfc4514.js';
import { presentedAccessToken, refuse } from './bearer.js';
import { judgeCertificate, type PresentedCertificate } from './client-certificate.js';
import type { Defects } from './defects.js';
import { forwardedCertificate } from './forwarded-certificate.js';
import { json, type Reply } from './http.js';
import type { Handler, RequestContext } from './router.js';
import type { ReferenceServices } from './services.js';
import type { CertificateBinding } from './token-store.js';

/** A binding failure, in the shape the defects may distort (RFC 8705 §3 asks for 401). */
function refuseBinding(description: string, defects: Defects): Reply {
  const reply = refuse('invalid_token', description);
  if (defects.has('rs-403-instead-of-401')) reply.status = 403;
  if (defects.has('rs-no-www-authenticate')) delete reply.headers?.['www-authenticate'];
  return reply;
}

function presentedCertificate(ctx: RequestContext, defects: Defects): PresentedCertificate | null {
  if (defects.has('rs-trust-cert-header')) {
    const der = forwardedCertificate(ctx.req.headers);
    if (der !== undefined) {
      try {
        return judgeCertificate(der, { source: 'header', trusted: true, viaIntermediate: false });
      } catch {
        // Unparsable: the connection's certificate is used, as such servers do.
      }
    }
  }
  return ctx.tlsCertificate;
}

/** Why the connection's certificate does not satisfy the token's binding, or undefined. */
function bindingProblem(
  binding: CertificateBinding,
  certificate: PresentedCertificate | null,
  defects: Defects,
): string | undefined {
  if (defects.has('rs-ignore-binding')) return undefined;
  if (certificate === null) {
    return defects.has('rs-allow-missing-cert')
      ? undefined
      : 'the access token is certificate-bound and no client certificate was presented';
  }
  const matches = defects.has('rs-bind-by-subject')
    ? dnEquals(certificate.subject, binding.subject)
    : certificate.x5tS256 === binding.cnf;
  return matches ? undefined : 'the client certificate does not match the access token binding';
}

/**
 * The protected resource: the token must be valid, and when it is bound (`cnf`), the TLS client
 * certificate of THIS connection must be the bound one (RFC 8705 §3). Headers never stand in
 * for the connection unless a defect says so.
 */
export function resourceEndpoint(services: ReferenceServices): Handler {
  const { defects } = services;
  return async (ctx): Promise<Reply> => {
    const presented = await presentedAccessToken(ctx, services.accessTokens);
    if ('refusal' in presented) return presented.refusal;
    const { record } = presented;
    if (record.audience !== services.accessTokens.audience) {
      return refuse('invalid_token', 'the access token is meant for another resource (aud)');
    }
    if (record.binding !== undefined) {
      const problem = bindingProblem(record.binding, presentedCertificate(ctx, defects), defects);
      if (problem !== undefined) return refuseBinding(problem, defects);
    }
    return json(200, {
      resource: 'mtls-conformance reference resource',
      client_id: record.clientId,
      ...(record.scope === undefined ? {} : { scope: record.scope }),
      bound: record.binding !== undefined,
    });
  };
}

import { json, type Reply } from './http.js';
import type { Handler } from './router.js';
import type { ReferenceServices } from './services.js';

/** RFC 7517 JWK Set of the access-token signing key, for resource servers verifying JWTs. */
export function jwksEndpoint(services: ReferenceServices): Handler {
  return (): Reply => json(200, { keys: [services.signingKey.publicJwk] });
}

/**
 * What exchange() refuses to send, decided before anything leaves the process: a credential
 * over plain HTTP or to an origin that is not the target's, and a client certificate to an
 * origin that is not the target's. URLs taken from responses (a Location, a
 * registration_client_uri, a metadata document) are how a hostile target would try either.
 */
import type { ClassifiedFailure } from './classify-failure.js';
import { credentialIn, type RequestParts } from './credentials.js';
import { CERTIFICATE_ORIGIN_CODE, type IdentityDispatchers } from './dispatchers.js';
import type { Identity } from './identity.js';

/** A credential would have gone to an origin that is not the target's. */
export const CREDENTIAL_ORIGIN_CODE = 'ERR_CREDENTIAL_ORIGIN_NOT_ALLOWED';
/** A credential would have crossed the network unencrypted. */
export const CREDENTIAL_PLAINTEXT_CODE = 'ERR_CREDENTIAL_OVER_PLAIN_HTTP';

/** Why the request must not be sent, or undefined when it may. */
export function refusedRequest(
  dispatchers: IdentityDispatchers,
  identity: Identity | null,
  req: RequestParts,
): ClassifiedFailure | undefined {
  const { origin, protocol } = req.url;
  const credential = credentialIn(req);
  if (credential !== undefined && protocol !== 'https:') {
    return {
      class: 'connection-error',
      code: CREDENTIAL_PLAINTEXT_CODE,
      message: `not sent: ${credential} would go to ${origin} over plain HTTP; credentials are only ever sent over TLS (https)`,
    };
  }
  if (credential !== undefined && !dispatchers.isTargetOrigin(origin)) {
    return {
      class: 'connection-error',
      code: CREDENTIAL_ORIGIN_CODE,
      message: `not sent: ${origin} is not an origin of the target, and ${credential} only goes to the target's own origins (${originList(dispatchers)})`,
    };
  }
  if (!dispatchers.mayPresent(identity, origin)) {
    return {
      class: 'connection-error',
      code: CERTIFICATE_ORIGIN_CODE,
      message: `not sent: ${origin} is not an origin of the target, and client certificate "${identity?.name ?? ''}" is only presented to the target's own origins (${originList(dispatchers)})`,
    };
  }
  return undefined;
}

function originList(dispatchers: IdentityDispatchers): string {
  return dispatchers.targetOrigins?.join(', ') ?? 'none known yet: the target is not resolved';
}

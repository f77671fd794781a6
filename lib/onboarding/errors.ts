import { EXIT, HarnessError } from '../errors.js';

/**
 * The issuer's metadata advertises no mTLS client authentication: the harness could mint
 * certificates, but no client of this server could use them, so init stops and says why.
 */
export class MtlsNotAdvertisedError extends HarnessError {
  constructor(message: string) {
    super('ERR_MTLS_NOT_ADVERTISED', message, EXIT.usageOrConfig);
  }
}

/** The authorization server refused a registration request (RFC 7591 §3.2.2) or never answered. */
export class RegistrationRejectedError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_REGISTRATION_REJECTED', message, EXIT.usageOrConfig, options);
  }
}

/**
 * The registration state file beside a target is missing, already there, unreadable, or some
 * registered clients could not be deleted: the operator has to act before the next step.
 */
export class RegistrationStateError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_REGISTRATION_STATE', message, EXIT.usageOrConfig, options);
  }
}

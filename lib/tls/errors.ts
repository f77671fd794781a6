import { EXIT, HarnessError } from '../errors.js';

/** A client identity whose private key does not belong to its leaf certificate. */
export class IdentityKeyMismatchError extends HarnessError {
  readonly identity: string;
  constructor(identity: string, message: string, options?: { cause?: unknown }) {
    super('ERR_IDENTITY_KEY_MISMATCH', message, EXIT.usageOrConfig, options);
    this.identity = identity;
  }
}

/** A client identity whose certificate or key PEM cannot be read. */
export class InvalidIdentityError extends HarnessError {
  readonly identity: string;
  constructor(identity: string, message: string, options?: { cause?: unknown }) {
    super('ERR_IDENTITY_INVALID', message, EXIT.usageOrConfig, options);
    this.identity = identity;
  }
}

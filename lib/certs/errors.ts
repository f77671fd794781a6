import { EXIT, HarnessError } from '../errors.js';

/** A distinguished name string that is not valid RFC 4514. */
export class DnSyntaxError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_DN_SYNTAX', message, EXIT.usageOrConfig, options);
  }
}

/** A private key that does not belong to the certificate it was given with. */
export class CertKeyMismatchError extends HarnessError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_CERT_KEY_MISMATCH', message, EXIT.usageOrConfig, options);
  }
}

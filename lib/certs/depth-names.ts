/**
 * Names of the cert set's validation-depth identities, apart from the minting code so that the
 * reference server can name them without loading the x509 library.
 */
export const SELF_SIGNED_TWO_KEYS = {
  first: 'self-signed-two-keys-1',
  second: 'self-signed-two-keys-2',
  unregistered: 'self-signed-two-keys-unregistered',
} as const;

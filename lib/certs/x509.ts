// The one place @peculiar/x509 is loaded: reflect-metadata has to be in place before it, and the
// library needs a webcrypto provider before any certificate is parsed or created.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(globalThis.crypto);

export { x509 };

import { importMinted, type MintedCert } from '../certs/mint.js';
import { parsePemBlocks } from '../certs/pem.js';
import { x509 } from '../certs/x509.js';
import { HarnessError } from '../errors.js';
import { configProblem } from './config-problem.js';
import type { RawKeyPair } from './raw-config.js';
import type { ReferencedFiles } from './referenced-files.js';

/**
 * A CA certificate and key the target trusts (test_ca, second_trusted_ca): the harness issues
 * negative client certificates from it, so it must really be a CA and the key must be its own.
 */
export async function loadIssuingCa(
  files: ReferencedFiles,
  pair: RawKeyPair,
  at: string,
): Promise<MintedCert> {
  const certPem = await files.readCertificates(pair.cert, `${at}.cert`);
  const keyPem = await files.readPrivateKey(pair.key, `${at}.key`);
  let ca: MintedCert;
  try {
    ca = await importMinted({ certPem, keyPem, source: { cert: pair.cert, key: pair.key } });
  } catch (err) {
    if (err instanceof HarnessError && err.code === 'ERR_CERT_KEY_MISMATCH') {
      throw configProblem(
        files.configFile,
        at,
        `key does not match certificate (cert: ${pair.cert}, key: ${pair.key})`,
        { cause: err },
      );
    }
    const reason = err instanceof Error ? err.message : String(err);
    throw configProblem(files.configFile, at, `unusable CA certificate or key: ${reason}`, {
      cause: err,
    });
  }
  const constraints = ca.cert.getExtension(x509.BasicConstraintsExtension);
  if (!constraints?.ca) {
    throw configProblem(
      files.configFile,
      `${at}.cert`,
      `not a CA certificate (basicConstraints cA is not set): ${pair.cert}`,
    );
  }
  return ca;
}

/** The PEM bundle trusted for the target's server certificates; every block must parse. */
export async function loadServerCa(files: ReferencedFiles, path: string): Promise<string> {
  const text = await files.readCertificates(path, 'server_ca');
  const certificates = parsePemBlocks(text).filter((block) => block.label === 'CERTIFICATE');
  certificates.forEach((block, index) => {
    try {
      new x509.X509Certificate(block.der);
    } catch (err) {
      throw configProblem(
        files.configFile,
        'server_ca',
        `certificate ${index + 1} in ${path} is not a valid X.509 certificate`,
        { cause: err },
      );
    }
  });
  return certificates.map((block) => block.pem).join('');
}

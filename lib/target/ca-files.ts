import { X509Certificate } from 'node:crypto';
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
  if (!isCaCertificate(ca)) {
    throw configProblem(
      files.configFile,
      `${at}.cert`,
      `not a CA certificate (basicConstraints cA is not set): ${pair.cert}`,
    );
  }
  return ca;
}

/**
 * Whether basicConstraints has cA set. node:crypto (OpenSSL's X509_check_ca) says yes only then,
 * without a parse in JavaScript; its no also covers a keyUsage without keyCertSign, which this
 * check has never refused, so a no is settled on basicConstraints alone.
 */
function isCaCertificate(ca: MintedCert): boolean {
  if (new X509Certificate(ca.der).ca) return true;
  return ca.cert.getExtension(x509.BasicConstraintsExtension)?.ca === true;
}

/** The PEM bundle trusted for the target's server certificates; every block must parse. */
export async function loadServerCa(files: ReferencedFiles, path: string): Promise<string> {
  const text = await files.readCertificates(path, 'server_ca');
  const certificates = parsePemBlocks(text).filter((block) => block.label === 'CERTIFICATE');
  certificates.forEach((block, index) => {
    try {
      parsesAsCertificate(block.der);
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

/**
 * Throws unless the DER is a certificate. OpenSSL, which will use the bundle, parses it without
 * the cost of a parse in JavaScript; the x509 library (the only check before) gets what OpenSSL
 * refuses, so nothing that loaded before is refused now.
 */
function parsesAsCertificate(der: Uint8Array<ArrayBuffer>): void {
  try {
    new X509Certificate(der);
  } catch {
    new x509.X509Certificate(der);
  }
}

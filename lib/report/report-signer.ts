/**
 * Who signs a report package: the stable key kept for this user (the default of `run` and
 * `demo`), a key of the user's own (--sign-key), or a key made for this run alone
 * (--per-run-key), which proves the files unchanged since signing but not who signed them.
 */
import { shellWord } from '../output/shell-word.js';
import {
  generateSigningKey,
  jwkThumbprint,
  loadSigningKey,
  type SigningKey,
} from './signing-key.js';
import { stableSigningKey } from './stable-signing-key.js';

export type SignerChoice =
  | { kind: 'per-run' }
  | { kind: 'file'; path: string }
  | { kind: 'stable'; dir: string };

export type SignerSource =
  | { kind: 'per-run' }
  | { kind: 'file'; path: string }
  | { kind: 'stable'; privateKeyFile: string; publicKeyFile: string; created: boolean };

export interface ReportSigner {
  key: SigningKey;
  /** RFC 7638 thumbprint of the public key: how the console, report.html and verify-report name it. */
  thumbprint: string;
  source: SignerSource;
}

/** Loads (or makes) the key before any traffic, so a bad one stops the run before it starts. */
export async function resolveSigner(choice: SignerChoice): Promise<ReportSigner> {
  const { key, source } = await loadKey(choice);
  return { key, source, thumbprint: await jwkThumbprint(key.publicJwk) };
}

async function loadKey(choice: SignerChoice): Promise<{ key: SigningKey; source: SignerSource }> {
  switch (choice.kind) {
    case 'per-run':
      return { key: await generateSigningKey(), source: choice };
    case 'file':
      return { key: await loadSigningKey(choice.path), source: choice };
    case 'stable': {
      const { key, ...files } = await stableSigningKey(choice.dir);
      return { key, source: { kind: 'stable', ...files } };
    }
  }
}

/** The line report.html's header carries about the signer (plain text; the header escapes it). */
export function signerHeaderLine(signer: ReportSigner): string {
  return signer.source.kind === 'per-run'
    ? `Signed with a key made for this run alone (RFC 7638 thumbprint ${signer.thumbprint}): the signature shows the files are unchanged since signing, not who signed them.`
    : `Signed with the key whose RFC 7638 thumbprint is ${signer.thumbprint}: compare it with the key the vendor publishes, and check the package with mtls-conformance verify-report DIR --key <published public key or thumbprint>.`;
}

/** What `run` and `demo` print about the signature, after the other report paths. */
export function signerConsoleLines(
  signer: ReportSigner,
  paths: { signature: string; dir: string },
  command = 'mtls-conformance',
): string[] {
  const { source, thumbprint } = signer;
  const check = `${command} verify-report ${shellWord(paths.dir)}`;
  switch (source.kind) {
    case 'per-run':
      return [
        `Signed:       ${paths.signature} by ${thumbprint} (per-run key, public JWK embedded: proves the files unchanged, not who signed them)`,
        `Check it:     ${check}`,
        `Public key:   ${JSON.stringify(signer.key.publicJwk)}`,
      ];
    case 'file':
      return [
        `Signed:       ${paths.signature} by ${thumbprint} (--sign-key ${source.path})`,
        `Check it:     ${check} --key ${thumbprint}   (or --key with the public key of ${source.path})`,
      ];
    case 'stable':
      return [
        ...(source.created
          ? [
              `Signing key:  created ${source.privateKeyFile} (mode 0600; keep it, it is your signing identity)`,
            ]
          : []),
        `Signed:       ${paths.signature} by ${thumbprint} (your signing key, ${source.privateKeyFile})`,
        `Public key:   ${source.publicKeyFile} (publish it: auditors pin it with verify-report --key)`,
        `Check it:     ${check} --key ${shellWord(source.publicKeyFile)}`,
      ];
  }
}

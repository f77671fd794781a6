/**
 * How `run` and `demo` choose who signs the report package: by default the stable key kept for
 * this user (created on first use), `--sign-key FILE` for a key of one's own, `--per-run-key` for
 * a throwaway key. The key folder follows the XDG convention and moves with
 * MTLS_CONFORMANCE_CONFIG_DIR, as the code cache does with MTLS_CONFORMANCE_CACHE_DIR.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import type { SignerChoice } from '../report/report-signer.js';

export interface SigningArgs {
  'sign-key'?: string;
  'per-run-key': boolean;
}

export function signingOptions<T>(y: Argv<T>): Argv<T & SigningArgs> {
  return y
    .option('sign-key', {
      type: 'string',
      describe:
        'Private key (JWK .json or PKCS#8 PEM) that signs manifest.json [default: your stable signing key, kept in $MTLS_CONFORMANCE_CONFIG_DIR or ~/.config/mtls-conformance and created on first use]',
    })
    .option('per-run-key', {
      type: 'boolean',
      default: false,
      describe:
        'Sign with a key made for this run alone (throwaway runs): it proves the files unchanged, not who signed them',
    })
    .check((a) => {
      if (a['per-run-key'] && a['sign-key'] !== undefined) {
        throw new UsageError('--sign-key and --per-run-key exclude each other: give one');
      }
      return true;
    }) as unknown as Argv<T & SigningArgs>;
}

export function signerChoice(args: SigningArgs, env: NodeJS.ProcessEnv): SignerChoice {
  if (args['sign-key'] !== undefined) return { kind: 'file', path: args['sign-key'] };
  if (args['per-run-key']) return { kind: 'per-run' };
  return { kind: 'stable', dir: configDir(env) };
}

/** $MTLS_CONFORMANCE_CONFIG_DIR, else $XDG_CONFIG_HOME/mtls-conformance, else ~/.config/…. */
export function configDir(env: NodeJS.ProcessEnv): string {
  return (
    env.MTLS_CONFORMANCE_CONFIG_DIR ||
    join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'mtls-conformance')
  );
}

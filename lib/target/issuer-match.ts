/**
 * RFC 8414 §3.3: a metadata document whose issuer is not identical to the issuer it was fetched
 * for "MUST NOT be used". Such a document names endpoints the harness would otherwise send client
 * certificates and tokens to, so none of it is used: `run` stops at DISC-01, and `discover`,
 * `register` and `init` refuse with this error.
 */
import { EXIT, HarnessError } from '../errors.js';
import type { Target } from './target.js';

/** Longest rendering of a published issuer in a message: the value comes from the server. */
const MAX_SHOWN_CHARS = 200;

/** What is wrong with the document's issuer, or undefined when it is the configured one. */
export function issuerMismatch(
  configured: string,
  metadata: Record<string, unknown>,
): string | undefined {
  const published = metadata.issuer;
  if (published === configured) return undefined;
  if (published === undefined) return 'the metadata has no issuer';
  return `the metadata issuer ${shown(published)} is not the configured issuer ${shown(configured)}`;
}

/** The metadata was not used because of its issuer; exit 2: the operator has to look. */
export class IssuerMismatchError extends HarnessError {
  /**
   * `where` names what holds the configured issuer (`target.yaml: issuer`, `--issuer`),
   * `mismatch` is issuerMismatch()'s text.
   */
  constructor(opts: { where: string; mismatch: string; metadataUrl: string }) {
    super(
      'ERR_ISSUER_MISMATCH',
      `${opts.where}: ${opts.mismatch} (metadata at ${opts.metadataUrl}); RFC 8414 §3.3 forbids using such metadata, so none of its endpoints is used: check that the configured issuer is the server meant (identical, a trailing slash counts), or fix the server's metadata`,
      EXIT.usageOrConfig,
    );
  }
}

function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_SHOWN_CHARS ? `${text.slice(0, MAX_SHOWN_CHARS)}…` : text;
}

/** For the commands that act on what the metadata names: refuse a target whose metadata was rejected. */
export function refuseRejectedMetadata(target: Target): void {
  if (target.metadataRejected === undefined) return;
  throw new IssuerMismatchError({
    where: `${target.configFile}: issuer`,
    mismatch: target.metadataRejected,
    metadataUrl: target.metadataUrl ?? '(unknown)',
  });
}

/**
 * One TLS handshake at a fixed legacy protocol version (TLS 1.0 or 1.1), and nothing after it:
 * whether a server still negotiates a version RFC 9325 forbids is a question about the
 * handshake alone, so no HTTP request is sent. Node can offer these versions only with
 * `minVersion`/`maxVersion` pinned and a security level 0 cipher string (OpenSSL 3 refuses the
 * SHA-1 signatures they need at level 1); a build of OpenSSL without them cannot offer them at
 * all, which is told apart from a refusal by the server. Each probe has its own secure context
 * and no session cache, like every connection the harness opens.
 */
import { isIP } from 'node:net';
import { connect, type TLSSocket } from 'node:tls';
import type { NoteEvidence } from '../report/run-result.js';
import type { Identity } from './identity.js';

export type LegacyTlsVersion = 'TLSv1' | 'TLSv1.1';

/** The versions' names as a reader knows them. */
export const LEGACY_TLS_NAMES: Readonly<Record<LegacyTlsVersion, string>> = {
  TLSv1: 'TLS 1.0',
  'TLSv1.1': 'TLS 1.1',
};

/** Every authenticated cipher OpenSSL has, at security level 0: the SHA-1 suites TLS 1.0/1.1 need. */
export const LEGACY_CIPHERS = 'ALL:!aNULL:@SECLEVEL=0';

export type ProbeOutcome =
  /** The server completed the handshake at the legacy version. */
  | { kind: 'accepted'; protocol: string; cipher: string; serverVerified: boolean }
  /** The server ended the handshake (alert, reset, close, silence) without agreeing to it. */
  | { kind: 'refused'; code?: string; message: string }
  /** This Node/OpenSSL could not offer the version at all: nothing about the server. */
  | { kind: 'cannot-offer'; code?: string; message: string }
  /** No TCP connection (refused, unknown host): nothing about the server's TLS either. */
  | { kind: 'unreachable'; code?: string; message: string };

export interface LegacyTlsProbe {
  url: string;
  version: LegacyTlsVersion;
  /** The client certificate to present: a server that requires one then finishes the handshake. */
  identity: Identity | null;
  /** PEM bundle trusted for the server certificate; undefined → system roots. */
  serverCaPem?: string;
  /** Connect plus handshake; silence after that long counts as a refusal. */
  timeoutMs: number;
  /** Defaults to LEGACY_CIPHERS; the tests make the version impossible to offer with it. */
  ciphers?: string;
}

export interface ProbeResult {
  outcome: ProbeOutcome;
  durationMs: number;
}

/**
 * The local library's own refusals to build a ClientHello for the pinned version (OpenSSL
 * compiled without it, no cipher or signature algorithm left for it).
 */
const CANNOT_OFFER_CODES: ReadonlySet<string> = new Set([
  'ERR_SSL_NO_PROTOCOLS_AVAILABLE',
  'ERR_SSL_NO_CIPHERS_AVAILABLE',
  'ERR_SSL_NO_SUITABLE_SIGNATURE_ALGORITHM',
  'ERR_TLS_INVALID_PROTOCOL_VERSION',
]);

const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
]);

/** Runs one handshake; never throws for anything the network or the server does. */
export function probeLegacyTls(probe: LegacyTlsProbe): Promise<ProbeResult> {
  const started = performance.now();
  const url = new URL(probe.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = Number(url.port || 443);
  return new Promise((resolve) => {
    let socket: TLSSocket | undefined;
    let settled = false;
    const finish = (outcome: ProbeOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.destroy();
      resolve({ outcome, durationMs: Math.round(performance.now() - started) });
    };
    const timer = setTimeout(
      () =>
        finish({
          kind: 'refused',
          code: 'ETIMEDOUT',
          message: `no handshake within ${probe.timeoutMs} ms`,
        }),
      probe.timeoutMs,
    );
    try {
      socket = connect({
        host,
        port,
        ...(isIP(host) === 0 ? { servername: host } : {}),
        minVersion: probe.version,
        maxVersion: probe.version,
        ciphers: probe.ciphers ?? LEGACY_CIPHERS,
        ...(probe.serverCaPem !== undefined ? { ca: probe.serverCaPem } : {}),
        ...(probe.identity ? { cert: probe.identity.certPem, key: probe.identity.keyPem } : {}),
        // Judged below: a server whose certificate does not verify still agreed to the version.
        rejectUnauthorized: false,
      });
    } catch (err) {
      finish(errorOutcome(err, 'cannot-offer'));
      return;
    }
    socket.once('secureConnect', () => {
      const tls = socket as TLSSocket;
      finish({
        kind: 'accepted',
        protocol: tls.getProtocol() ?? probe.version,
        cipher: tls.getCipher()?.name ?? 'unknown',
        serverVerified: tls.authorized,
      });
    });
    socket.once('error', (err) => finish(errorOutcome(err)));
    // A server may close without an alert; without secureConnect first, that is a refusal.
    socket.once('close', () => finish({ kind: 'refused', message: 'connection closed' }));
  });
}

function errorOutcome(err: unknown, fallback?: 'cannot-offer'): ProbeOutcome {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const withCode = code === undefined ? { message } : { code, message };
  if (code !== undefined && CANNOT_OFFER_CODES.has(code))
    return { kind: 'cannot-offer', ...withCode };
  if (code !== undefined && UNREACHABLE_CODES.has(code))
    return { kind: 'unreachable', ...withCode };
  return { kind: fallback ?? 'refused', ...withCode };
}

/**
 * What a probe shows in a report. A note, not a transcript: there is no HTTP request in it, and
 * whatever reads transcripts as requests (the bench's replay, request counts) must not see one.
 */
export function probeEvidence(opts: {
  label: string;
  probe: LegacyTlsProbe;
  result: ProbeResult;
}): NoteEvidence {
  const { outcome, durationMs } = opts.result;
  const who = opts.probe.identity
    ? `presenting ${opts.probe.identity.name}`
    : 'without a client certificate';
  const what =
    outcome.kind === 'accepted'
      ? `accepted: ${outcome.protocol} ${outcome.cipher}${outcome.serverVerified ? '' : ' (server certificate not verified)'}`
      : `${outcome.kind === 'cannot-offer' ? `not offered: this Node.js/OpenSSL cannot offer ${LEGACY_TLS_NAMES[opts.probe.version]}` : outcome.kind === 'unreachable' ? 'not reached' : 'refused'} (${outcome.code === undefined ? '' : `${outcome.code}: `}${outcome.message.trim()})`;
  return {
    kind: 'note',
    text: `${opts.label}, ${who}, handshake only: ${what}, ${durationMs} ms`,
  };
}

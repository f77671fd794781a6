/**
 * `init`: from an issuer URL to a ready target folder. Reads the metadata and says what the
 * server advertises for mTLS, mints (or takes) the CA and the client certificates, and writes
 * target.yaml and REGISTER.md. Nothing is written until discovery and minting have succeeded.
 */
import { rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { importMinted, type KeyType, type MintedCert } from '../certs/mint.js';
import { x509 } from '../certs/x509.js';
import { ConfigError, HarnessError, UsageError } from '../errors.js';
import { checkOutputFolder } from '../output-folder.js';
import { httpsUrlProblem, isAbsoluteHttpUrl } from '../target/http-url.js';
import { IssuerMismatchError, issuerMismatch } from '../target/issuer-match.js';
import { loadTargetConfig } from '../target/load-config.js';
import { IdentityDispatchers } from '../tls/dispatchers.js';
import { MtlsNotAdvertisedError } from './errors.js';
import { fetchIssuerMetadata } from './issuer-metadata.js';
import {
  advertisesMtlsAuth,
  assessMtlsSupport,
  describeMtlsSupport,
  type MtlsSupport,
  noMtlsAuthProblem,
} from './mtls-support.js';
import { mintOnboardingPki } from './onboarding-clients.js';
import {
  type OutputFile,
  pathFrom,
  privateFolder,
  readInputFile,
  refuseOverwrite,
  targetSchemaFile,
  writeOutputFile,
} from './onboarding-files.js';
import type { OnboardingPlan } from './onboarding-plan.js';
import { renderRegisterMd } from './register-md.js';
import { renderTargetYaml } from './target-yaml.js';

export const TARGET_FILE = 'target.yaml';
export const REGISTER_FILE = 'REGISTER.md';
export const CERTS_FOLDER = 'certs';
export const SERVER_CA_FILE = 'server-ca.pem';
/** Where the public client is sent back to; never fetched. */
export const DEFAULT_REDIRECT_URI = 'https://client.example.test/callback';

export interface InitOptions {
  issuer: string;
  /** The folder to write into (created). */
  out: string;
  /** PEM of the CA that issued the server's TLS certificate. */
  serverCa?: string;
  resource?: string;
  /** A CA the server already trusts for client certificates (both or neither). */
  caCert?: string;
  caKey?: string;
  redirectUri?: string;
  scope?: string;
  keyType?: KeyType;
  /** Overwrite files from an earlier init. */
  force?: boolean;
  /** Write the files even when the metadata advertises no mTLS client authentication. */
  allowNoMtls?: boolean;
  timeoutMs?: number;
  /** How the files tell the user to run the harness (default `mtls-conformance`). */
  command?: string;
}

export interface InitResult {
  plan: OnboardingPlan;
  /** The discovery findings, one per line, in plain words. */
  findings: string[];
  files: { target: string; register: string; certs: string };
  /** What --force let through (a CA that is expired, not yet valid, not a CA). */
  warnings: string[];
}

export async function initOnboarding(opts: InitOptions): Promise<InitResult> {
  checkOptions(opts);
  const out = resolve(opts.out);
  // Before anything is read, asked or written: a file there, /proc (where a recursive mkdir
  // never returns) or a folder this process cannot write is one line, exit 2.
  await checkOutputFolder(out, '--out');
  const files = {
    target: join(out, TARGET_FILE),
    register: join(out, REGISTER_FILE),
    certs: join(out, CERTS_FOLDER),
  };
  await refuseOverwrite([files.target, files.register, files.certs], opts.force === true);
  const serverCaPem =
    opts.serverCa === undefined ? undefined : await readInputFile(opts.serverCa, '--server-ca');
  const given = await loadGivenCa(opts);
  const givenCa = given?.ca;

  const { metadataUrl, support } = await discover(opts, serverCaPem);
  if (!advertisesMtlsAuth(support) && opts.allowNoMtls !== true) {
    throw new MtlsNotAdvertisedError(noMtlsAuthProblem(support, metadataUrl));
  }
  const methods = advertisesMtlsAuth(support)
    ? support.supports
    : { ...support.supports, tls_client_auth: true, self_signed_tls_client_auth: true, none: true };
  const pki = await mintOnboardingPki({
    ...(givenCa ? { ca: givenCa } : {}),
    methods,
    redirectUri: opts.redirectUri ?? DEFAULT_REDIRECT_URI,
    ...(support.signingAlgs ? { signingAlgs: support.signingAlgs } : {}),
    pushedAuthorization: support.endpoints.par !== undefined,
    codeFlow:
      support.endpoints.authorization !== undefined &&
      support.grantTypes.includes('authorization_code'),
    ...(opts.keyType ? { keyType: opts.keyType } : {}),
  });

  const written: OutputFile[] = [];
  const certFile = (name: string) => join(files.certs, `${name}.pem`);
  const keyFile = (name: string) => join(files.certs, `${name}.key.pem`);
  const clientPaths: OnboardingPlan['paths']['clients'] = {};
  for (const client of pki.clients) {
    written.push(
      { path: certFile(client.name), content: client.certificate.certPem },
      { path: keyFile(client.name), content: client.certificate.keyPem, secret: true },
    );
    clientPaths[client.name] = {
      cert: pathFrom(out, certFile(client.name)),
      key: pathFrom(out, keyFile(client.name)),
    };
  }
  let testCa: OnboardingPlan['paths']['testCa'];
  if (opts.caCert !== undefined && opts.caKey !== undefined) {
    testCa = { cert: pathFrom(out, opts.caCert), key: pathFrom(out, opts.caKey) };
  } else {
    written.push(
      { path: certFile('test-ca'), content: pki.ca.certPem },
      { path: keyFile('test-ca'), content: pki.ca.keyPem, secret: true },
    );
    testCa = { cert: pathFrom(out, certFile('test-ca')), key: pathFrom(out, keyFile('test-ca')) };
  }
  const paths: OnboardingPlan['paths'] = { testCa, clients: clientPaths };
  if (serverCaPem !== undefined) {
    written.push({ path: join(out, SERVER_CA_FILE), content: serverCaPem });
    paths.serverCa = `./${SERVER_CA_FILE}`;
  }
  const schema = targetSchemaFile();
  if (schema !== undefined) paths.schema = pathFrom(out, schema);

  const plan: OnboardingPlan = {
    issuer: opts.issuer,
    metadataUrl,
    support,
    pki,
    paths,
    command: opts.command ?? 'mtls-conformance',
  };
  if (opts.resource !== undefined) plan.resource = opts.resource;
  if (opts.scope !== undefined) plan.scope = opts.scope;
  written.push(
    { path: files.target, content: renderTargetYaml(plan) },
    { path: files.register, content: renderRegisterMd(plan) },
  );

  await privateFolder(files.certs);
  for (const file of written) await writeOutputFile(file);
  if (opts.force === true)
    await removeReplaced(opts, written, [
      certFile('test-ca'),
      keyFile('test-ca'),
      join(out, SERVER_CA_FILE),
    ]);
  // The promise to the user: the file loads as written. A failure here is a harness bug.
  await loadTargetConfig(files.target);
  return { plan, findings: describeMtlsSupport(support), files, warnings: given?.warnings ?? [] };
}

/**
 * --force over an earlier init: the CA files it wrote and this one does not (a minted test CA
 * replaced by --ca-cert, a server CA no longer given) would lie about the set-up, and a stale CA
 * key is key material nobody uses. Files this init reads (--ca-cert naming the old test CA) stay.
 */
async function removeReplaced(
  opts: InitOptions,
  written: readonly OutputFile[],
  candidates: readonly string[],
): Promise<void> {
  const kept = new Set([
    ...written.map((f) => resolve(f.path)),
    ...[opts.caCert, opts.caKey, opts.serverCa].flatMap((p) =>
      p === undefined ? [] : [resolve(p)],
    ),
  ]);
  for (const path of candidates) {
    if (!kept.has(resolve(path))) await rm(path, { force: true });
  }
}

function checkOptions(opts: InitOptions): void {
  for (const [flag, url] of [
    ['--issuer', opts.issuer],
    ['--resource', opts.resource],
  ] as const) {
    const problem = url === undefined ? undefined : httpsUrlProblem(url);
    if (problem !== undefined) throw new UsageError(`${flag}: ${problem}`);
  }
  if (opts.redirectUri !== undefined && !isAbsoluteHttpUrl(opts.redirectUri)) {
    throw new UsageError(
      `--redirect-uri: expected an absolute http(s) URL, got ${JSON.stringify(opts.redirectUri)}`,
    );
  }
  if ((opts.caCert === undefined) !== (opts.caKey === undefined)) {
    throw new UsageError(
      '--ca-cert and --ca-key go together: give both, or neither to mint a test CA',
    );
  }
}

/** The operator's CA: it must be a CA, and the key must be its own. */
async function loadGivenCa(
  opts: InitOptions,
): Promise<{ ca: MintedCert; warnings: string[] } | undefined> {
  if (opts.caCert === undefined || opts.caKey === undefined) return undefined;
  const [certPem, keyPem] = await Promise.all([
    readInputFile(opts.caCert, '--ca-cert'),
    readInputFile(opts.caKey, '--ca-key'),
  ]);
  let ca: MintedCert;
  try {
    ca = await importMinted({ certPem, keyPem, source: { cert: opts.caCert, key: opts.caKey } });
  } catch (err) {
    if (err instanceof HarnessError) {
      throw new ConfigError(`--ca-cert/--ca-key: ${err.message}`, {}, { cause: err });
    }
    throw err;
  }
  const problems = caProblems(ca, new Date());
  if (problems.length > 0 && opts.force !== true) {
    throw new ConfigError(
      `${problems.join('; ')}: the authorization server would refuse every client certificate it issues (pass --force to use it anyway)`,
      { file: `--ca-cert ${opts.caCert}` },
    );
  }
  return { ca, warnings: problems.map((p) => `--ca-cert ${opts.caCert}: ${p}`) };
}

/**
 * What makes a CA unfit to issue the clients' certificates: RFC 5280 path validation refuses a
 * chain whose CA is expired or not yet valid, lacks basicConstraints cA, or has a keyUsage
 * without keyCertSign. Every client certificate would fail PKI-01 for a set-up reason.
 */
export function caProblems(ca: MintedCert, now: Date): string[] {
  const problems: string[] = [];
  const { cert } = ca;
  if (cert.notAfter.getTime() < now.getTime()) {
    problems.push(`the CA certificate expired on ${cert.notAfter.toISOString()}`);
  }
  if (cert.notBefore.getTime() > now.getTime()) {
    problems.push(`the CA certificate is not valid before ${cert.notBefore.toISOString()}`);
  }
  if (!cert.getExtension(x509.BasicConstraintsExtension)?.ca) {
    problems.push('not a CA certificate (basicConstraints cA is not set)');
  }
  const usage = cert.getExtension(x509.KeyUsagesExtension);
  if (usage !== null && (usage.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    problems.push('its keyUsage does not allow keyCertSign (signing certificates)');
  }
  return problems;
}

async function discover(
  opts: InitOptions,
  serverCaPem: string | undefined,
): Promise<{ metadataUrl: string; support: MtlsSupport }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  let dispatchers: IdentityDispatchers;
  try {
    dispatchers = new IdentityDispatchers({
      serverCa: serverCaPem,
      timeouts: { connectMs: timeoutMs, headersMs: timeoutMs, bodyMs: timeoutMs },
    });
  } catch (err) {
    if (err instanceof ConfigError && opts.serverCa !== undefined) {
      throw new ConfigError(`--server-ca: ${err.message}`, { file: opts.serverCa }, { cause: err });
    }
    throw err;
  }
  try {
    const metadata = await fetchIssuerMetadata({
      issuer: opts.issuer,
      dispatchers,
      serverCaGiven: serverCaPem !== undefined,
    });
    const mismatch = issuerMismatch(opts.issuer, metadata.document);
    if (mismatch !== undefined) {
      throw new IssuerMismatchError({ where: '--issuer', mismatch, metadataUrl: metadata.url });
    }
    return { metadataUrl: metadata.url, support: assessMtlsSupport(metadata.document) };
  } finally {
    await dispatchers.close();
  }
}

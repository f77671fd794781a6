/**
 * A temporary folder with real certificates on disk and helpers to write target configs into it
 * and to run the CLI against them. Minted once per test file (P-256, a few ms per cert).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { type MintedCert, mintCa, mintLeaf } from '../../lib/certs/mint.js';

export const CLIENT_A_DN = 'CN=client-a,OU=clients,O=mtls-conformance,C=US';
export const CLIENT_B_DN = 'CN=client-b,OU=clients,O=mtls-conformance,C=US';

export interface TargetPki {
  ca: MintedCert;
  /** Server certificate for 127.0.0.1 / localhost, issued by `ca`. */
  server: MintedCert;
  clientA: MintedCert;
  clientB: MintedCert;
  selfSigned: MintedCert;
  /** A leaf that is not a CA: test_ca must refuse it. */
  notCa: MintedCert;
}

export async function mintTargetPki(): Promise<TargetPki> {
  const ca = await mintCa({ subject: 'CN=target test CA,O=mtls-conformance,C=US' });
  const [server, clientA, clientB, selfSigned] = await Promise.all([
    mintLeaf({
      subject: 'CN=localhost',
      issuer: ca,
      sans: [
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ],
      extendedKeyUsage: ['serverAuth'],
    }),
    mintLeaf({ subject: CLIENT_A_DN, issuer: ca }),
    mintLeaf({ subject: CLIENT_B_DN, issuer: ca }),
    mintLeaf({ subject: 'CN=self-signed-client,O=mtls-conformance,C=US' }),
  ]);
  return { ca, server, clientA, clientB, selfSigned, notCa: clientB };
}

export class TargetWorkspace {
  readonly dir: string;
  readonly pki: TargetPki;

  private constructor(dir: string, pki: TargetPki) {
    this.dir = dir;
    this.pki = pki;
  }

  /** Certificates land in `<dir>/certs/<name>.pem` and `<name>.key.pem` (0600). */
  static async create(): Promise<TargetWorkspace> {
    const dir = await mkdtemp(join(tmpdir(), 'mtls-target-'));
    const workspace = new TargetWorkspace(dir, await mintTargetPki());
    await mkdir(join(dir, 'certs'), { mode: 0o700 });
    const { ca, clientA, clientB, selfSigned } = workspace.pki;
    for (const [name, minted] of Object.entries({ ca, clientA, clientB, selfSigned })) {
      await workspace.writeMinted(`certs/${name}`, minted);
    }
    return workspace;
  }

  async writeMinted(base: string, minted: MintedCert): Promise<void> {
    await this.write(`${base}.pem`, minted.certPem);
    await this.write(`${base}.key.pem`, minted.keyPem);
    await chmod(join(this.dir, `${base}.key.pem`), 0o600);
  }

  /** Writes a file under the workspace (folders created); returns its absolute path. */
  async write(relativePath: string, text: string): Promise<string> {
    const file = join(this.dir, relativePath);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, text);
    return file;
  }

  /** Writes a config as YAML (or JSON for a .json name); returns its absolute path. */
  writeConfig(relativePath: string, config: unknown): Promise<string> {
    const text = relativePath.endsWith('.json')
      ? JSON.stringify(config, null, 2)
      : stringify(config);
    return this.write(relativePath, text);
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A minimal valid config using the workspace's client-a, with no network needed. */
export function offlineConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    endpoints: { token: 'https://127.0.0.1:9/token' },
    clients: [
      {
        name: 'client-a',
        client_id: 'client-a',
        auth: 'tls_client_auth',
        identity: { cert: './certs/clientA.pem', key: './certs/clientA.key.pem' },
        subject_dn: CLIENT_A_DN,
      },
    ],
    ...overrides,
  };
}

/**
 * The certificates, test CA and two clients (one tls_client_auth by manifest name, one
 * self-signed by file) that the fuzzing tests mutate: every kind of reference the loader resolves.
 */
export function twoClientConfigParts(): Record<string, unknown> {
  return {
    certs_manifest: './certs/manifest.json',
    test_ca: { cert: './certs/ca.pem', key: './certs/ca.key.pem' },
    clients: [
      {
        name: 'a',
        client_id: 'a',
        auth: 'tls_client_auth',
        identity: 'client-a',
        subject_dn: CLIENT_A_DN,
      },
      {
        name: 'b',
        client_id: 'b',
        auth: 'self_signed_tls_client_auth',
        identity: { cert: './certs/selfSigned.pem', key: './certs/selfSigned.key.pem' },
      },
    ],
  };
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const BIN = fileURLToPath(new URL('../../bin/mtls-conformance.js', import.meta.url));

/** Runs the built CLI in a child process (bounded: killed after 20 s). */
export function runCli(args: string[], opts: { cwd?: string } = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: opts.cwd, timeout: 20_000, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** A certs manifest (the `certs` command's format) naming the workspace's two clients. */
export async function writeManifest(workspace: TargetWorkspace): Promise<string> {
  const entry = (name: string, file: string, minted: MintedCert) => ({
    name,
    role: 'pki-client',
    cert: `${file}.pem`,
    key: `${file}.key.pem`,
    subject: minted.subject,
    issuer: minted.issuer,
    sans: [],
    notBefore: minted.notBefore.toISOString(),
    notAfter: minted.notAfter.toISOString(),
    x5tS256: minted.x5tS256,
  });
  const manifest = {
    version: 1,
    keyType: 'ec',
    victim: 'client-a',
    identities: [
      entry('client-a', 'clientA', workspace.pki.clientA),
      entry('client-b', 'clientB', workspace.pki.clientB),
    ],
  };
  return workspace.write('certs/manifest.json', JSON.stringify(manifest, null, 2));
}

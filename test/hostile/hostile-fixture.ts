/**
 * Target configs that point the harness at a hostile server while using a real certificate
 * set: the reference server's (minted once per fixture), so the clients, the test CA and the
 * server certificate are exactly those of a normal run.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { mintCa } from '../../lib/certs/mint.js';
import { loadReferenceMaterial } from '../../lib/reference/reference-material.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { type HostileMode, type HostileServer, startHostileServer } from './hostile-server.js';

export class HostileFixture {
  readonly stateDir: string;
  #referenceConfig: Record<string, unknown> = {};
  #serverCertPem = '';
  #serverKeyPem = '';
  #unrelatedCaPem = '';
  #counter = 0;

  private constructor(stateDir: string) {
    this.stateDir = stateDir;
  }

  static async create(): Promise<HostileFixture> {
    const fixture = new HostileFixture(await mkdtemp(join(tmpdir(), 'mtls-hostile-')));
    const first = await fixture.startReference();
    await first.close();
    const material = await loadReferenceMaterial({ certsDir: join(fixture.stateDir, 'certs') });
    fixture.#serverCertPem = material.serverCertPem;
    fixture.#serverKeyPem = material.serverKeyPem;
    fixture.#unrelatedCaPem = (await mintCa({ subject: 'CN=unrelated CA,O=Hostile' })).certPem;
    return fixture;
  }

  /** The PEM file of the CA that issued the servers' certificate (the targets' server_ca). */
  get serverCaFile(): string {
    return resolve(this.stateDir, String(this.#referenceConfig.server_ca));
  }

  /**
   * A conformant reference server sharing this fixture's certificate set. Its client secrets
   * and refresh token are its own: the targets written after it use them.
   */
  async startReference(): Promise<ReferenceServer> {
    const server = await startReferenceServer({
      stateDir: this.stateDir,
      port: 0,
      onInternalError: () => {},
    });
    this.#referenceConfig = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as Record<
      string,
      unknown
    >;
    return server;
  }

  /** Starts a hostile server in `mode`. */
  startHostile(
    mode: HostileMode,
    extra: { dribbleIntervalMs?: number; hugeBodyBytes?: number } = {},
  ): Promise<HostileServer> {
    return startHostileServer({
      mode,
      serverCertPem: this.#serverCertPem,
      serverKeyPem: this.#serverKeyPem,
      unrelatedCaPem: this.#unrelatedCaPem,
      ...(extra.dribbleIntervalMs !== undefined
        ? { dribbleIntervalMs: extra.dribbleIntervalMs }
        : {}),
      ...(extra.hugeBodyBytes !== undefined ? { hugeBodyBytes: extra.hugeBodyBytes } : {}),
    });
  }

  /**
   * Writes a target config for `server` (the reference clients and CAs, the hostile issuer) and
   * returns its path. The resource is on the hostile endpoints, or on `resourceBase`.
   */
  async targetFor(server: HostileServer, opts: { resourceBase?: string } = {}): Promise<string> {
    this.#counter += 1;
    const file = join(this.stateDir, `hostile-${this.#counter}.json`);
    const config = {
      ...this.#referenceConfig,
      issuer: server.issuer,
      resource: {
        url: `${opts.resourceBase ?? server.endpointsBase}/resource`,
        method: 'GET',
        expected_status: 200,
      },
    };
    await writeFile(file, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
    return file;
  }

  async dispose(): Promise<void> {
    await rm(this.stateDir, { recursive: true, force: true });
  }
}

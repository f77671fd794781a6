import 'reflect-metadata';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { REGISTRABLE_AUTH } from '../../lib/onboarding/client-metadata.js';
import { registrationStateFile } from '../../lib/onboarding/registration-state.js';
import type { AuthMethod } from '../../lib/target/target.js';
import { type CliRun, runCli } from './cli-process.js';
import { HostileFixture } from './hostile-fixture.js';
import {
  HOSTILE_REGISTRATION_ACCESS_TOKEN,
  type HostileMode,
  type HostileServer,
  MISMATCHED_ISSUER,
} from './hostile-server.js';
import { expectOutsideUntouched } from './outside-host.js';

/**
 * The commands that act on what a server hands out, through the real CLI in a child process,
 * against a hostile server whose `outside` listener is not part of the target: a
 * registration_client_uri there (register, register --cleanup, run --register), or metadata
 * with another issuer naming it for every endpoint (run, discover, register, init). The outside
 * host must see no TCP connection at all, so no certificate and no byte of any token.
 */
describe('hostile targets: nothing goes to an origin that is not the target (CLI)', function () {
  this.timeout(60_000);
  let fx: HostileFixture;

  before(async function () {
    this.timeout(60_000);
    fx = await HostileFixture.create();
  });
  after(async () => {
    await fx?.dispose();
  });

  const TIMEOUT = ['--timeout-ms', '1000'];
  const cli = (args: string[]): Promise<CliRun> =>
    runCli(args, { killAfterMs: 30_000, cwd: fx.stateDir });

  async function withServer<T>(
    mode: HostileMode,
    use: (server: HostileServer, target: string) => Promise<T>,
  ): Promise<T> {
    const server = await fx.startHostile(mode);
    try {
      return await use(server, await fx.targetFor(server));
    } finally {
      await server.close();
    }
  }

  function notUsed(server: HostileServer): string {
    return `its registration_client_uri is on ${server.outsideBase}, not an origin of the target, so it was not used (registration access tokens and client certificates go only to the target's own origins, over https)`;
  }

  /** The clients register creates: the methods it registers, with an identity. */
  async function clientNames(target: string): Promise<string[]> {
    const config = JSON.parse(await readFile(target, 'utf8')) as {
      clients: Array<{ name: string; auth: AuthMethod; identity?: unknown }>;
    };
    return config.clients
      .filter((c) => REGISTRABLE_AUTH.includes(c.auth) && c.identity !== undefined)
      .map((c) => c.name);
  }

  describe('a registration_client_uri on another origin', () => {
    it('register keeps no RFC 7592 credentials for it; register --cleanup says why it cannot delete', async () => {
      await withServer('foreign-management-uri', async (server, target) => {
        const original = await readFile(target, 'utf8');
        const names = await clientNames(target);
        expect(names.length).to.be.greaterThan(2);

        const registered = await cli(['register', '--target', target, ...TIMEOUT]);
        expect(registered.code, registered.stderr).to.equal(0);
        const lines = registered.stdout.split('\n');
        for (const name of names) {
          expect(lines).to.include(
            `  ${name.padEnd(12)} ${name} -> hostile-client (${notUsed(server)}: cannot be deleted by --cleanup)`,
          );
        }
        const stateFile = registrationStateFile(target);
        const stateText = await readFile(stateFile, 'utf8');
        expect(stateText).to.not.include(HOSTILE_REGISTRATION_ACCESS_TOKEN);
        expect(stateText).to.not.include(`${server.outsideBase}/register`);
        const state = JSON.parse(stateText) as { clients: Array<Record<string, unknown>> };
        for (const record of state.clients) {
          expect(record).to.deep.equal({
            name: record.name,
            client_id: 'hostile-client',
            original_client_id: record.name,
            not_managed: notUsed(server),
          });
        }
        expect(registered.stdout + registered.stderr).to.not.include(
          HOSTILE_REGISTRATION_ACCESS_TOKEN,
        );

        const cleaned = await cli(['register', '--target', target, '--cleanup', ...TIMEOUT]);
        expect(cleaned.code, cleaned.stderr).to.equal(0);
        expect(cleaned.stderr).to.equal('');
        expect(cleaned.stdout).to.equal(
          [
            'The original client_ids are back in the target.',
            ...names.map(
              (name) =>
                `  note: ${name}: client hostile-client stays registered: ${notUsed(server)}; delete it at the server by hand`,
            ),
            '',
          ].join('\n'),
        );
        expect(await readFile(target, 'utf8')).to.equal(original);
        expect(await stat(stateFile).catch(() => undefined)).to.equal(undefined);
        expectOutsideUntouched(server, [HOSTILE_REGISTRATION_ACCESS_TOKEN]);
      });
    });

    it('register --cleanup does not follow one found in a state file either (written before this check)', async () => {
      await withServer('foreign-management-uri', async (server, target) => {
        const token = 'state-file-registration-access-token-0123456789';
        await writeFile(
          registrationStateFile(target),
          JSON.stringify({
            version: 1,
            target: 'hostile.json',
            registration_endpoint: `${server.endpointsBase}/register`,
            registered_at: new Date().toISOString(),
            clients: [
              {
                name: 'client-a',
                client_id: 'dyn-a',
                original_client_id: 'client-a',
                registration_client_uri: `${server.outsideBase}/register/dyn-a`,
                registration_access_token: token,
              },
            ],
          }),
          { mode: 0o600 },
        );
        const cleaned = await cli(['register', '--target', target, '--cleanup', ...TIMEOUT]);
        expect(cleaned.code, cleaned.stderr).to.equal(0);
        expect(cleaned.stdout).to.equal(
          `The original client_ids are back in the target.\n  note: client-a: client dyn-a stays registered: ${notUsed(server)}; delete it at the server by hand\n`,
        );
        expect(cleaned.stdout + cleaned.stderr).to.not.include(token);
        expectOutsideUntouched(server, [token]);
      });
    });

    it('run --register: one line per client it cannot clean up, and nothing goes outside', async () => {
      await withServer('foreign-management-uri', async (server, target) => {
        const original = await readFile(target, 'utf8');
        const names = await clientNames(target);
        const reportDir = join(fx.stateDir, 'report-run-register');
        const run = await cli([
          'run',
          '--register',
          '--target',
          target,
          '--report-dir',
          reportDir,
          '--deadline-ms',
          '15000',
          ...TIMEOUT,
        ]);
        // The hostile server fails most scenarios; the point here is where requests went.
        expect(run.code, run.stderr).to.equal(1);
        const stderr = run.stderr.split('\n');
        for (const name of names) {
          expect(stderr).to.include(
            `mtls-conformance: register: ${name} (hostile-client): ${notUsed(server)}; the clean-up cannot delete it`,
          );
          expect(stderr).to.include(
            `  note: ${name}: client hostile-client stays registered: ${notUsed(server)}; delete it at the server by hand`,
          );
        }
        expect(await readFile(target, 'utf8')).to.equal(original);
        expect(await readdir(fx.stateDir)).to.not.include(
          registrationStateFile(target).slice(fx.stateDir.length + 1),
        );
        const summary = await readFile(join(reportDir, 'summary.json'), 'utf8');
        expect(summary).to.include(notUsed(server));
        for (const text of [run.stdout, run.stderr, summary]) {
          expect(text).to.not.include(HOSTILE_REGISTRATION_ACCESS_TOKEN);
        }
        expectOutsideUntouched(server, [HOSTILE_REGISTRATION_ACCESS_TOKEN]);
      });
    });
  });

  describe('metadata with another issuer, naming the outside host for every endpoint', () => {
    function refusal(where: string, server: HostileServer): string {
      return `mtls-conformance: ${where}: the metadata issuer "${MISMATCHED_ISSUER}" is not the configured issuer "${server.issuer}" (metadata at ${server.issuer}/.well-known/oauth-authorization-server); RFC 8414 §3.3 forbids using such metadata, so none of its endpoints is used: check that the configured issuer is the server meant (identical, a trailing slash counts), or fix the server's metadata\n`;
    }

    it('run: exit 1, DISC-01 failed, every other scenario not run, 0 requests where it points', async () => {
      await withServer('issuer-mismatch', async (server, target) => {
        const reportDir = join(fx.stateDir, 'report-mismatch');
        const run = await cli(['run', '--target', target, '--report-dir', reportDir, ...TIMEOUT]);
        expect(run.code, run.stderr).to.equal(1);
        const summary = JSON.parse(await readFile(join(reportDir, 'summary.json'), 'utf8')) as {
          scenarios: Array<{ id: string; status: string; reason?: string }>;
        };
        const byStatus = (status: string) =>
          summary.scenarios.filter((s) => s.status === status).map((s) => s.id);
        expect(byStatus('failed')).to.deep.equal(['DISC-01']);
        expect(byStatus('skipped')).to.have.length(summary.scenarios.length - 1);
        expect(byStatus('passed')).to.deep.equal([]);
        for (const s of summary.scenarios.filter((x) => x.id !== 'DISC-01')) {
          expect(s.reason).to.match(/^not run: .* RFC 8414 §3\.3 forbids using such metadata/);
        }
        expectOutsideUntouched(server, []);
        expect(server.stats.hostileRequests).to.equal(0);
      });
    });

    it('discover and register refuse in one line (exit 2) and send nothing there', async () => {
      await withServer('issuer-mismatch', async (server, target) => {
        const original = await readFile(target, 'utf8');
        for (const command of [['discover'], ['register']]) {
          const result = await cli([...command, '--target', target, ...TIMEOUT]);
          expect(result.code, result.stderr).to.equal(2);
          expect(result.stdout).to.equal('');
          expect(result.stderr).to.equal(refusal(`${target}: issuer`, server));
        }
        expect(await readFile(target, 'utf8')).to.equal(original);
        expect(await stat(registrationStateFile(target)).catch(() => undefined)).to.equal(
          undefined,
        );
        expectOutsideUntouched(server, []);
        expect(server.stats.hostileRequests).to.equal(0);
      });
    });

    it('init refuses in one line (exit 2) and writes nothing', async () => {
      await withServer('issuer-mismatch', async (server) => {
        const parent = await mkdtemp(join(tmpdir(), 'mtls-init-mismatch-'));
        try {
          const out = join(parent, 'onboarding');
          const result = await cli([
            'init',
            '--issuer',
            server.issuer,
            '--server-ca',
            fx.serverCaFile,
            '--out',
            out,
            ...TIMEOUT,
          ]);
          expect(result.code, result.stderr).to.equal(2);
          expect(result.stdout).to.equal('');
          expect(result.stderr).to.equal(refusal('--issuer', server));
          expect(await readdir(parent)).to.deep.equal([]);
          expectOutsideUntouched(server, []);
        } finally {
          await rm(parent, { recursive: true, force: true });
        }
      });
    });
  });

  it('init --resource with an http:// URL is a usage error naming the flag (exit 2)', async () => {
    const result = await cli([
      'init',
      '--issuer',
      'https://127.0.0.1:9',
      '--resource',
      'http://rs.example/api',
      '--out',
      join(fx.stateDir, 'never'),
    ]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.equal(
      'mtls-conformance: --resource: must be an absolute https URL (credentials and client certificates never go over plain HTTP), got "http://rs.example/api"\n',
    );
  });
});

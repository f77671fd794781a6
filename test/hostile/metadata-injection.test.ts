import 'reflect-metadata';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { expect } from 'chai';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { PATHS } from '../../lib/reference/services.js';
import { rawControlsIn } from '../support/raw-controls.js';
import { runCli } from './cli-process.js';

/**
 * Metadata that carries terminal control sequences and shell metacharacters: `discover` (text and
 * JSON) and `init` (its findings and REGISTER.md) show them escaped, and the registration URL in
 * REGISTER.md's curl command is quoted so that pasting it runs curl and nothing else.
 */
const PAYLOAD = '\u001b]0;PWNED\u0007\u001b[2J\u0000\u009b31m\u202eevil\u2066\r\nyes  FAKE';

describe('hostile metadata: discover and init show it escaped', function () {
  this.timeout(60_000);
  let work: string;
  let server: ReferenceServer;

  before(async function () {
    this.timeout(60_000);
    work = await mkdtemp(join(tmpdir(), 'mtls-metadata-injection-'));
    server = await startReferenceServer({
      stateDir: join(work, 'reference'),
      port: 0,
      rewriteReply: (reply, req) => {
        if (req.url !== PATHS.metadata || typeof reply.json !== 'object' || reply.json === null) {
          return reply;
        }
        const metadata = reply.json as Record<string, unknown>;
        const registrationEndpoint = `${server.issuer}/register'$(touch pwned)'${PAYLOAD}`;
        return {
          ...reply,
          json: {
            ...metadata,
            token_endpoint_auth_methods_supported: [
              ...(metadata.token_endpoint_auth_methods_supported as string[]),
              `x${PAYLOAD}`,
            ],
            mtls_endpoint_aliases: { [`token_endpoint${PAYLOAD}`]: `${server.issuer}/token` },
            registration_endpoint: registrationEndpoint,
            introspection_endpoint: `${server.issuer}/introspect${PAYLOAD}`,
          },
        };
      },
    });
  });
  after(async () => {
    await server?.close();
    await rm(work, { recursive: true, force: true });
  });

  function expectEscaped(name: string, text: string): void {
    expect(rawControlsIn(text), name).to.deep.equal([]);
    expect(text, name).to.not.match(/\nyes {2}FAKE/);
  }

  it('discover: the text and the JSON hold no raw control character', async () => {
    const text = await runCli(['discover', '--target', server.targetConfigPath], {
      killAfterMs: 30_000,
    });
    expect(text.code, text.stderr).to.equal(0);
    expectEscaped('discover', text.stdout + text.stderr);
    expect(text.stdout).to.include('\\x1b]0;PWNED\\x07');

    const json = await runCli(['discover', '--target', server.targetConfigPath, '--json'], {
      killAfterMs: 30_000,
    });
    expect(json.code, json.stderr).to.equal(0);
    expectEscaped('discover --json', json.stdout + json.stderr);
    // The values themselves are exact: JSON's own escapes read back as what was sent.
    const parsed = JSON.parse(json.stdout) as { endpoints: Array<{ url: string }> };
    expect(parsed.endpoints.map((e) => e.url)).to.include(`${server.issuer}/introspect${PAYLOAD}`);
  });

  it('init: findings and REGISTER.md escaped, the curl URL quoted for the shell', async () => {
    const config = JSON.parse(await readFile(server.targetConfigPath, 'utf8')) as {
      server_ca: string;
    };
    const serverCa = resolve(dirname(server.targetConfigPath), config.server_ca);
    const out = join(work, 'onboarding');
    const init = await runCli(
      ['init', '--issuer', server.issuer, '--out', out, '--server-ca', serverCa],
      { killAfterMs: 30_000 },
    );
    expect(init.code, init.stderr).to.equal(0);
    expectEscaped('init', init.stdout + init.stderr);
    expect(init.stdout).to.include('x\\x1b]0;PWNED');

    const registerMd = await readFile(join(out, 'REGISTER.md'), 'utf8');
    expectEscaped('REGISTER.md', registerMd);
    const curl = registerMd.split('\n').find((line) => line.includes('--data @body.json'));
    expect(curl).to.equal(
      `  -H 'content-type: application/json' --data @body.json '${server.issuer}/register'\\''$(touch pwned)'\\''\\x1b]0;PWNED\\x07\\x1b[2J\\x00\\x9b31m\\u202eevil\\u2066\\r\\nyes  FAKE'`,
    );
  });
});

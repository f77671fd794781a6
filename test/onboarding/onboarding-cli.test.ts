import 'reflect-metadata';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Agent, request } from 'undici';
import { parse } from 'yaml';
import { ConfigError, EXIT } from '../../lib/errors.js';
import { RegistrationStateError } from '../../lib/onboarding/errors.js';
import { initOnboarding } from '../../lib/onboarding/init.js';
import { registerClients, withRegisteredClients } from '../../lib/onboarding/register-clients.js';
import { registeringRunner } from '../../lib/onboarding/run-with-registration.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import type { RunTargetOutcome } from '../../lib/runner/run-target.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';
import { BIN, cli, initArgs } from '../support/onboarding-cli.js';

interface SummaryScenario {
  id: string;
  status: string;
}

/** The JSON bodies of REGISTER.md, in order. */
function registrationBodies(markdown: string): Array<Record<string, unknown>> {
  return [...markdown.matchAll(/```json\n([\s\S]*?)\n```/g)].map(
    (m) => JSON.parse(m[1] ?? '') as Record<string, unknown>,
  );
}

/**
 * The onboarding path a new user takes against the reference server (with mTLS endpoint
 * aliases, so registration goes to the alias): init with the server's CA → register → run →
 * clean-up, all through the CLI, with no editing in between.
 */
describe('onboarding: init → register → run (end to end against the reference server)', function () {
  this.timeout(60_000);
  let workspace: string;
  let server: ReferenceServer;
  let agent: Agent;
  let certs: string;
  let out: string;
  let target: string;
  let afterInit: string;

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'mtls-onboarding-'));
    server = await startReferenceServer({ stateDir: join(workspace, 'reference'), aliases: true });
    certs = join(workspace, 'reference', 'certs');
    // A space in the path: every hint must still paste as one command.
    out = join(workspace, 'on boarding');
    target = join(out, 'target.yaml');
    agent = new Agent({
      connect: { ca: await readFile(join(certs, 'root-ca.pem'), 'utf8'), maxCachedSessions: 0 },
    });
  });
  after(async () => {
    await agent?.close();
    await server?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('init reports what the server advertises and writes a target.yaml that validates', async () => {
    const result = await cli(
      [...initArgs(server, certs, out), '--resource', `${server.mtlsUrl}/resource`],
      workspace,
    );
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('yes  tls_client_auth');
    expect(result.stdout).to.include('yes  mtls_endpoint_aliases');
    expect(result.stdout).to.include(
      `registration endpoint (RFC 7591) at ${server.mtlsUrl}/register`,
    );
    expect(result.stdout).to.not.match(/PRIVATE KEY/);
    expect(result.stdout).to.include(`then: node ${BIN} run --target 'on boarding/target.yaml'`);

    const config = await loadTargetConfig(target);
    expect(config.clients.map((c) => [c.name, c.auth, c.bound])).to.deep.equal([
      ['client-a', 'tls_client_auth', false],
      ['client-b', 'tls_client_auth', false],
      // The code flow's own mTLS client (CODE), where the server has the authorization_code grant.
      ['code-client', 'tls_client_auth', false],
      ['self-signed', 'self_signed_tls_client_auth', false],
      ['public', 'none', true],
      ['jwt-client', 'private_key_jwt', true],
    ]);
    expect(config.clients[0]?.redirectUri, 'client-a pushes requests (EP-03)').to.be.a('string');
    expect(config.clients[5]?.assertion?.alg).to.equal('ES256');
    expect(config.testCa?.subject).to.equal('CN=mtls-conformance root CA,O=mtls-conformance,C=US');
    expect((await stat(join(out, 'certs'))).mode & 0o777).to.equal(0o700);
    for (const file of await readdir(join(out, 'certs'))) {
      const mode = (await stat(join(out, 'certs', file))).mode & 0o777;
      expect(mode, file).to.equal(file.endsWith('.key.pem') ? 0o600 : 0o644);
    }
    afterInit = await readFile(target, 'utf8');
    expect(afterInit).to.match(/^# yaml-language-server: \$schema=/);
    // The reference does not advertise resource indicators: token_request.resource stays a comment.
    expect(afterInit).to.include(`#   resource: "${server.mtlsUrl}/resource"`);
    expect(config.tokenParams).to.deep.equal({});

    const again = await initOnboarding({ issuer: server.issuer, out }).catch((err: unknown) => err);
    expect(again).to.be.instanceOf(ConfigError);
    expect((again as ConfigError).message).to.equal(`${target}: exists; pass --force to overwrite`);
  });

  it('REGISTER.md names the CA to trust, and its RFC 7591 bodies are accepted by the server (201)', async () => {
    const markdown = await readFile(join(out, 'REGISTER.md'), 'utf8');
    expect(markdown).to.include(
      await readFile(join(certs, 'root-ca.pem'), 'utf8').then((p) => p.trim()),
    );
    const bodies = registrationBodies(markdown);
    expect(bodies.map((b) => b.token_endpoint_auth_method)).to.deep.equal([
      'tls_client_auth',
      'tls_client_auth',
      'tls_client_auth',
      'self_signed_tls_client_auth',
      'none',
      'private_key_jwt',
    ]);
    const jwks = bodies[5]?.jwks as { keys: Array<Record<string, unknown>> } | undefined;
    const [jwk] = jwks?.keys ?? [];
    expect(jwk).to.include({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(jwk).to.not.have.property('d');
    expect(jwk?.kid).to.be.a('string');
    expect(bodies[5]?.token_endpoint_auth_signing_alg).to.equal('ES256');
    expect(bodies[2]).to.include({ client_name: 'mtls-conformance code-client' });
    expect(bodies[2]?.grant_types).to.deep.equal(['authorization_code', 'refresh_token']);
    for (const body of bodies) {
      expect(body.tls_client_certificate_bound_access_tokens).to.equal(true);
      const response = await request(`${server.mtlsUrl}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        dispatcher: agent,
      });
      const answer = (await response.body.json()) as Record<string, unknown>;
      expect(response.statusCode, JSON.stringify(answer)).to.equal(201);
      expect(answer.client_id).to.be.a('string');
      // Leave the server as it was: delete the client again (RFC 7592), with its certificate
      // (the reference manages mTLS clients only over their own).
      const name = String(body.client_name).replace('mtls-conformance ', '');
      const clientAgent = new Agent({
        connect: {
          ca: await readFile(join(certs, 'root-ca.pem'), 'utf8'),
          cert: await readFile(join(out, 'certs', `${name}.pem`), 'utf8'),
          key: await readFile(join(out, 'certs', `${name}.key.pem`), 'utf8'),
          maxCachedSessions: 0,
        },
      });
      const deleted = await request(answer.registration_client_uri as string, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${answer.registration_access_token as string}` },
        dispatcher: clientAgent,
      });
      await clientAgent.close();
      await deleted.body.dump();
      expect(deleted.statusCode).to.equal(204);
    }
  });

  it('register creates the clients over the mTLS alias and points target.yaml at them', async () => {
    const result = await cli(['register', '--target', target], workspace);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include(`Registered 6 client(s) at ${server.mtlsUrl}/register`);
    expect(result.stdout).to.include(
      `Delete them again with: node ${BIN} register --target '${target}' --cleanup`,
    );

    const stateFile = join(out, 'target.registration.json');
    expect((await stat(stateFile)).mode & 0o777).to.equal(0o600);
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    const tokens = state.clients.map(
      (c: { registration_access_token: string }) => c.registration_access_token,
    );
    expect(tokens).to.have.length(6);
    for (const token of tokens) expect(result.stdout).to.not.include(token);

    const rewritten = await readFile(target, 'utf8');
    const ids = (parse(rewritten) as { clients: Array<{ client_id: string }> }).clients.map(
      (c) => c.client_id,
    );
    expect(ids).to.deep.equal(state.clients.map((c: { client_id: string }) => c.client_id));
    expect(ids.every((id) => id.startsWith('dyn-'))).to.equal(true);
    // Only the client_id values changed: every comment and every other line is as init wrote it.
    const unchanged = (text: string) => text.split('\n').filter((l) => !/^\s+client_id: /.test(l));
    expect(unchanged(rewritten)).to.deep.equal(unchanged(afterInit));

    const twice = await registerClients({ targetFile: target }).catch((err: unknown) => err);
    expect(twice).to.be.instanceOf(RegistrationStateError);
    expect((twice as Error).message).to.match(
      /already registered for this target; delete them first/,
    );
  });

  it('run passes against the registered clients with no editing (exit 0)', async () => {
    const reports = join(workspace, 'reports');
    const result = await cli(['run', '--target', target, '--report-dir', reports], workspace);
    expect(result.code, result.stdout + result.stderr).to.equal(0);
    const summary = JSON.parse(await readFile(join(reports, 'summary.json'), 'utf8')) as {
      scenarios: SummaryScenario[];
    };
    const status = new Map(summary.scenarios.map((s) => [s.id, s.status]));
    for (const id of [
      'DISC-02',
      'PKI-01',
      'PKI-04',
      'PKI-07',
      'SELF-01',
      'BIND-01',
      'BIND-03',
      'REG-01',
      // The registered private_key_jwt client binds its tokens; EP runs on the registered clients.
      'HOK-01',
      'HOK-02',
      'HOK-05',
      'HOK-06',
      'EP-01',
      'EP-02',
      'EP-03',
      'EP-05',
      // No configured client comes with an intermediate: the chain is minted for the run, under
      // the root the reference registered the client under, so it is accepted.
      'PKI-13',
    ]) {
      expect(status.get(id), id).to.equal('passed');
    }
  });

  it('register --cleanup deletes the clients (RFC 7592) and restores target.yaml byte for byte', async () => {
    const stateFile = join(out, 'target.registration.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    const result = await cli(['register', '--target', target, '--cleanup'], workspace);
    expect(result.code, result.stderr).to.equal(0);
    expect(result.stdout).to.include('Deleted 6 registered client(s)');
    expect(await readFile(target, 'utf8')).to.equal(afterInit);
    expect(await stat(stateFile).catch(() => undefined)).to.equal(undefined);
    const first = state.clients[0] as {
      registration_client_uri: string;
      registration_access_token: string;
    };
    const gone = await request(first.registration_client_uri, {
      headers: { authorization: `Bearer ${first.registration_access_token}` },
      dispatcher: agent,
    });
    await gone.body.dump();
    expect(gone.statusCode).to.equal(401);
  });

  it('run --register registers, runs and cleans up, also when the run fails', async () => {
    const ok = await cli(
      [
        'run',
        '--register',
        '--target',
        target,
        '--only',
        'PKI-01,SELF-01',
        '--report-dir',
        join(workspace, 'r2'),
      ],
      workspace,
    );
    expect(ok.code, ok.stdout + ok.stderr).to.equal(0);
    expect(ok.stderr).to.match(/Registered client-a as dyn-/);
    expect(ok.stdout).to.match(/PASS {2}PKI-01/);
    expect(await readFile(target, 'utf8')).to.equal(afterInit);

    // A run that throws after registration: the clients are still deleted, the target restored.
    let registered: string[] = [];
    const failing = await withRegisteredClients(
      {
        targetFile: target,
        onRegistered: (outcome) => {
          registered = outcome.clients.map((c) => c.client_id);
        },
        onCleanupProblem: (message) => expect.fail(message),
      },
      async () => {
        expect(await readFile(target, 'utf8')).to.not.equal(afterInit);
        throw new Error('the run broke');
      },
    ).catch((err: unknown) => err);
    expect((failing as Error).message).to.equal('the run broke');
    expect(registered).to.have.length(6);
    expect(await readFile(target, 'utf8')).to.equal(afterInit);
    expect(await readdir(out)).to.not.include('target.registration.json');
  });

  /** Spoils the first client's registration access token in the state file; returns the good one. */
  async function spoilFirstRegistrationToken(): Promise<string> {
    const stateFile = join(out, 'target.registration.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    const good = state.clients[0].registration_access_token as string;
    state.clients[0].registration_access_token = 'not-the-registration-access-token';
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    return good;
  }

  it('a clean-up that cannot delete a client names the command to retry it, as the user runs the tool', async () => {
    const registered = await cli(['register', '--target', target], workspace);
    expect(registered.code, registered.stderr).to.equal(0);
    const good = await spoilFirstRegistrationToken();
    const failed = await cli(['register', '--target', target, '--cleanup'], workspace);
    expect(failed.code).to.not.equal(0);
    expect(failed.stderr).to.include(
      `try node ${BIN} register --target '${target}' --cleanup again`,
    );
    expect(failed.stderr).to.not.include('mtls-conformance register');
    // The state file keeps the client it could not delete: with its real token the retry works.
    const stateFile = join(out, 'target.registration.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    expect(state.clients).to.have.length(1);
    state.clients[0].registration_access_token = good;
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    const retried = await cli(['register', '--target', target, '--cleanup'], workspace);
    expect(retried.code, retried.stderr).to.equal(0);
    expect(await readFile(target, 'utf8')).to.equal(afterInit);
  });

  it('run --register: a clean-up problem is told with the retry command as the user runs the tool', async () => {
    const lines: string[] = [];
    const write = process.stderr.write;
    let good = '';
    const runner = registeringRunner(
      async () => {
        good = await spoilFirstRegistrationToken();
        return { exitCode: EXIT.ok } as RunTargetOutcome;
      },
      {
        targetFile: target,
        showCommand: (text) => text.replaceAll('mtls-conformance register', 'TOOL register'),
      },
    );
    process.stderr.write = ((chunk: string) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stderr.write;
    let outcome: RunTargetOutcome;
    try {
      outcome = await runner({ targetFile: target });
    } finally {
      process.stderr.write = write;
    }
    // Clients left registered turn a passing run into exit 2.
    expect(outcome.exitCode).to.equal(EXIT.usageOrConfig);
    const problem = lines.find((l) => l.startsWith('mtls-conformance: clean-up: '));
    expect(problem, lines.join('')).to.include(
      `try TOOL register --target '${target}' --cleanup again`,
    );
    const stateFile = join(out, 'target.registration.json');
    const state = JSON.parse(await readFile(stateFile, 'utf8'));
    state.clients[0].registration_access_token = good;
    await writeFile(stateFile, JSON.stringify(state), { mode: 0o600 });
    const retried = await cli(['register', '--target', target, '--cleanup'], workspace);
    expect(retried.code, retried.stderr).to.equal(0);
    expect(await readFile(target, 'utf8')).to.equal(afterInit);
  });
});

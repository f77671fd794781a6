import 'reflect-metadata';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { EXIT } from '../../lib/errors.js';
import { MtlsNotAdvertisedError, RegistrationRejectedError } from '../../lib/onboarding/errors.js';
import { initOnboarding } from '../../lib/onboarding/init.js';
import { registerClients } from '../../lib/onboarding/register-clients.js';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';
import { loadTargetConfig } from '../../lib/target/load-config.js';

/** What the user is told when the server cannot do mTLS, or refuses a registration. */
describe('onboarding errors (against the reference server)', function () {
  this.timeout(30_000);
  let workspace: string;
  let server: ReferenceServer;
  let certs: string;

  before(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'mtls-onboarding-errors-'));
    server = await startReferenceServer({
      stateDir: join(workspace, 'reference'),
      defects: ['methods-not-advertised'],
    });
    certs = join(workspace, 'reference', 'certs');
  });
  after(async () => {
    await server?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  it('init against a server that advertises no mTLS method says what is missing and writes nothing', async () => {
    const out = join(workspace, 'refused');
    const err = await initOnboarding({
      issuer: server.issuer,
      out,
      serverCa: join(certs, 'root-ca.pem'),
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(MtlsNotAdvertisedError);
    const { message, exitCode } = err as MtlsNotAdvertisedError;
    expect(exitCode).to.equal(EXIT.usageOrConfig);
    expect(message).to.not.include('\n');
    expect(message).to.include(
      'token_endpoint_auth_methods_supported lists only client_secret_basic, client_secret_post, private_key_jwt, none',
    );
    expect(message).to.include('neither tls_client_auth nor self_signed_tls_client_auth');
    expect(message).to.include('--allow-no-mtls');
    expect(await readdir(workspace)).to.not.include('refused');
  });

  it('a rejected registration shows the server error and the redacted request, and rolls back', async () => {
    const out = join(workspace, 'forced');
    const { files, findings } = await initOnboarding({
      issuer: server.issuer,
      out,
      serverCa: join(certs, 'root-ca.pem'),
      allowNoMtls: true,
    });
    expect(findings.join('\n')).to.match(/no {3}tls_client_auth is not advertised/);
    // No --ca-cert: a test CA was minted, its key kept private, and target.yaml uses it.
    expect((await stat(join(out, 'certs', 'test-ca.key.pem'))).mode & 0o777).to.equal(0o600);
    expect((await loadTargetConfig(files.target)).testCa?.subject).to.match(
      /^CN=mtls-conformance test CA [0-9a-f]{6},O=mtls-conformance$/,
    );
    expect(await readFile(files.register, 'utf8')).to.include('A test CA minted for this target');

    // The reference manages mTLS clients only over a certificate it trusts (EP-04), so the
    // roll-back needs the CA it trusts: init again with it.
    const trusted = await initOnboarding({
      issuer: server.issuer,
      out: join(workspace, 'forced-trusted'),
      serverCa: join(certs, 'root-ca.pem'),
      caCert: join(certs, 'root-ca.pem'),
      caKey: join(certs, 'root-ca.key.pem'),
      allowNoMtls: true,
    });
    // A public client with the default grant asks for client_credentials, which it may not use.
    const original = await readFile(trusted.files.target, 'utf8');
    const broken = original.replace(
      /(- name: "public"\n(?:(?! {2}- name).*\n)*?)\s+grant: authorization_code\n\s+redirect_uri: .*/,
      '$1',
    );
    expect(broken).to.not.equal(original);
    await writeFile(trusted.files.target, broken);

    const initialToken = 'initial-access-token-that-must-not-show';
    const err = await registerClients({
      targetFile: trusted.files.target,
      initialAccessToken: initialToken,
    }).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(RegistrationRejectedError);
    const { message, exitCode } = err as RegistrationRejectedError;
    expect(exitCode).to.equal(EXIT.usageOrConfig);
    expect(message).to.not.include('\n');
    expect(message).to.match(
      /^registration of client public rejected by https:\/\/127\.0\.0\.1:\d+\/register: HTTP 400 invalid_client_metadata: a public client cannot use client_credentials; request: POST /,
    );
    expect(message).to.include('"grant_types":["client_credentials"]');
    expect(message).to.include('authorization: Bearer initia…[sha256:');
    expect(message).to.not.include(initialToken);
    expect(message).to.include('(the 4 client(s) registered before it were deleted again)');
    expect(await readFile(trusted.files.target, 'utf8')).to.equal(broken);
    expect(await readdir(join(workspace, 'forced-trusted'))).to.not.include(
      'target.registration.json',
    );
  });
});

import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { ConfigError } from '../../lib/errors.js';
import { rewriteClientIds } from '../../lib/onboarding/client-id-rewrite.js';
import { registrationStateFile } from '../../lib/onboarding/registration-state.js';

const YAML = `# a comment at the top
issuer: "https://as.example.test"
clients:
  # the victim
  - name: "client-a"
    client_id: "placeholder-a" # replaced by register
    auth: tls_client_auth
  - name: client-b
    client_id: placeholder-b
    auth: tls_client_auth
`;

describe('lib/onboarding client_id rewrite', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-rewrite-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('changes only the client_id values of a YAML target, keeping comments, quoting and mode', async () => {
    const file = join(dir, 'target.yaml');
    await writeFile(file, YAML, { mode: 0o640 });
    await rewriteClientIds(file, new Map([['client-a', 'dyn-1']]));
    const text = await readFile(file, 'utf8');
    expect(text).to.equal(YAML.replace('"placeholder-a"', '"dyn-1"'));
    expect((await stat(file)).mode & 0o777).to.equal(0o640);
    await rewriteClientIds(file, new Map([['client-a', 'placeholder-a']]));
    expect(await readFile(file, 'utf8')).to.equal(YAML);
  });

  it('leaves every other byte as it was: comments, a commented-out block, odd indentation', async () => {
    const original = `issuer: "https://as.example.test"   # the AS
clients:
    -   name: client-a
        client_id: placeholder-a
        auth: tls_client_auth
    -   name: 'client-b'
        client_id: 'placeholder-b'   # keep me
        auth: tls_client_auth
# resource:
#   url: "https://rs.example.test/resource"
#   method: GET
`;
    const file = join(dir, 'layout.yaml');
    await writeFile(file, original);
    await rewriteClientIds(
      file,
      new Map([
        ['client-a', 'dyn-a'],
        ['client-b', 'dyn-b'],
      ]),
    );
    expect(await readFile(file, 'utf8')).to.equal(
      original
        .replace('client_id: placeholder-a', 'client_id: dyn-a')
        .replace("client_id: 'placeholder-b'", "client_id: 'dyn-b'"),
    );
    await rewriteClientIds(
      file,
      new Map([
        ['client-a', 'placeholder-a'],
        ['client-b', 'placeholder-b'],
      ]),
    );
    expect(await readFile(file, 'utf8')).to.equal(original);
  });

  it("quotes a server's odd client_id so the file still reads it back exactly", async () => {
    const file = join(dir, 'odd.yaml');
    await writeFile(file, YAML);
    const odd = "a: b # c\n- d 'e' true";
    await rewriteClientIds(file, new Map([['client-b', odd]]));
    const { parse } = await import('yaml');
    const data = parse(await readFile(file, 'utf8')) as { clients: Array<{ client_id: unknown }> };
    expect(data.clients[1]?.client_id).to.equal(odd);
    // A plain value that YAML would read as a number or a boolean is quoted.
    await rewriteClientIds(file, new Map([['client-a', '12345']]));
    expect(await readFile(file, 'utf8')).to.include('client_id: "12345"');
    await rewriteClientIds(file, new Map([['client-b', 'true']]));
    const again = parse(await readFile(file, 'utf8')) as { clients: Array<{ client_id: unknown }> };
    expect(again.clients[1]?.client_id).to.equal('true');
  });

  it('rewrites a JSON target as JSON, keeping its layout', async () => {
    const layout =
      '{\n    "clients": [ { "name": "y", "client_id": "old" } ],\n    "issuer": "https://as"\n}\n';
    const kept = join(dir, 'layout.json');
    await writeFile(kept, layout);
    await rewriteClientIds(kept, new Map([['y', 'new']]));
    expect(await readFile(kept, 'utf8')).to.equal(layout.replace('"old"', '"new"'));
  });

  it('rewrites a JSON target as JSON', async () => {
    const file = join(dir, 'target.json');
    await writeFile(file, JSON.stringify({ clients: [{ name: 'x', client_id: 'old' }] }));
    await rewriteClientIds(file, new Map([['x', 'new']]));
    expect(JSON.parse(await readFile(file, 'utf8'))).to.deep.equal({
      clients: [{ name: 'x', client_id: 'new' }],
    });
  });

  it('refuses when a client is no longer in the file, and leaves the file alone', async () => {
    const file = join(dir, 'gone.yaml');
    await writeFile(file, YAML);
    const err = await rewriteClientIds(file, new Map([['client-z', 'dyn-2']])).catch((e) => e);
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.equal(`${file}: clients client-z are no longer in the file`);
    expect(await readFile(file, 'utf8')).to.equal(YAML);
  });

  it('keeps the state file beside the target', () => {
    expect(registrationStateFile('/x/staging.yaml')).to.equal('/x/staging.registration.json');
    expect(registrationStateFile('t.json')).to.equal('t.registration.json');
  });
});

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

import 'reflect-metadata';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { MANIFEST_FILE, readManifest } from '../../lib/certs/manifest.js';
import { ConfigError } from '../../lib/errors.js';
import { startReferenceServer } from '../../lib/reference/server.js';

const NEW_IDENTITIES = ['self-signed-two-keys-1', 'self-signed-two-keys-2'];

/**
 * A certificate set minted before the validation-depth identities existed (as an old
 * `.state/reference/` holds): the reference mints its own set afresh and says so, and refuses
 * to touch a set it was pointed at.
 */
describe('reference server: a certificate set from an older version', function () {
  this.timeout(60_000);
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-outdated-set-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** Mints a set, then drops the new identities from its manifest, as an old version wrote it. */
  async function outdatedSet(stateDir: string): Promise<string> {
    const first = await startReferenceServer({ stateDir, onNotice: () => {} });
    await first.close();
    const file = join(stateDir, 'certs', MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(file, 'utf8'));
    manifest.identities = manifest.identities.filter(
      (i: { name: string }) => !NEW_IDENTITIES.includes(i.name),
    );
    await writeFile(file, JSON.stringify(manifest));
    return join(stateDir, 'certs');
  }

  it('its own state folder: minted afresh, with a notice naming what was missing', async () => {
    const stateDir = join(dir, 'own');
    const certs = await outdatedSet(stateDir);
    const notices: string[] = [];
    const server = await startReferenceServer({ stateDir, onNotice: (m) => notices.push(m) });
    await server.close();
    expect(notices).to.have.length(1);
    expect(notices[0]).to.match(
      /lacks self-signed-two-keys-1, self-signed-two-keys-2 \(minted by an older version\): minting a fresh set there$/,
    );
    const names = (await readManifest(certs)).identities.map((i) => i.name);
    expect(names).to.include.members(NEW_IDENTITIES);
    // The new set is used as it is on the next start: no second notice.
    const again = await startReferenceServer({ stateDir, onNotice: (m) => notices.push(m) });
    await again.close();
    expect(notices).to.have.length(1);
  });

  it('a set it was pointed at (certsDir) is not overwritten: one ConfigError naming the fix', async () => {
    const certs = await outdatedSet(join(dir, 'shared'));
    const before = await readFile(join(certs, MANIFEST_FILE), 'utf8');
    const err = await startReferenceServer({ stateDir: join(dir, 'other'), certsDir: certs }).then(
      (server) => server.close().then(() => undefined),
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(ConfigError);
    expect((err as Error).message).to.match(
      /lacks self-signed-two-keys-1, self-signed-two-keys-2 .*mtls-conformance certs --out DIR --force/,
    );
    expect(await readFile(join(certs, MANIFEST_FILE), 'utf8')).to.equal(before);
  });
});

import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { invocationOf } from '../../lib/cli/invocation.js';

/** Hints name a command the user can paste: real files and links, as npm lays them out. */
describe('lib/cli invocation: how the user started the CLI', () => {
  let root: string;
  let entry: string;
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'mtls-invocation-'));
    entry = join(root, 'pkg', 'dist', 'bin', 'mtls-conformance.js');
    await mkdir(join(root, 'pkg', 'dist', 'bin'), { recursive: true });
    await writeFile(entry, '');
    for (const dir of ['global/bin', 'project/node_modules/.bin', 'other/bin']) {
      await mkdir(join(root, dir), { recursive: true });
    }
    await symlink(entry, join(root, 'global/bin/mtls-conformance'));
    await symlink(entry, join(root, 'project/node_modules/.bin/mtls-conformance'));
    await writeFile(join(root, 'other/bin/mtls-conformance'), '');
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('a global install on PATH: the bare command', () => {
    expect(
      invocationOf({
        script: join(root, 'global/bin/mtls-conformance'),
        cwd: root,
        path: `/nonexistent:${join(root, 'global/bin')}`,
      }),
    ).to.deep.equal({ here: 'mtls-conformance', anywhere: 'mtls-conformance' });
  });

  it('another mtls-conformance first on PATH: not the bare command, the path', () => {
    const got = invocationOf({
      script: join(root, 'global/bin/mtls-conformance'),
      cwd: root,
      path: `${join(root, 'other/bin')}:${join(root, 'global/bin')}`,
    });
    expect(got.here).to.equal('node pkg/dist/bin/mtls-conformance.js');
  });

  it("the project's own node_modules/.bin: npx here, the real script from anywhere", () => {
    expect(
      invocationOf({
        script: join(root, 'project/node_modules/.bin/mtls-conformance'),
        cwd: join(root, 'project'),
        path: '/usr/bin',
      }),
    ).to.deep.equal({ here: 'npx mtls-conformance', anywhere: `node ${entry}` });
  });

  it('a clone: node and the path to the entry script, relative here, absolute for files', () => {
    expect(
      invocationOf({ script: 'dist/bin/mtls-conformance.js', cwd: join(root, 'pkg'), path: '' }),
    ).to.deep.equal({ here: 'node dist/bin/mtls-conformance.js', anywhere: `node ${entry}` });
    expect(invocationOf({ script: entry, cwd: join(root, 'project'), path: '' }).here).to.equal(
      `node ${entry}`,
    );
  });

  it('a path with spaces is quoted so it pastes as one word', () => {
    expect(invocationOf({ script: '/opt/my tools/cli.js', cwd: '/tmp', path: '' }).here).to.equal(
      "node '/opt/my tools/cli.js'",
    );
  });
});

import { execFile, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';

const BIN = fileURLToPath(new URL('../../bin/mtls-conformance.js', import.meta.url));

/** `mtls-conformance list | head`: the reader leaves early; the CLI must exit quietly. */
describe('cli: output into a closed pipe', function () {
  this.timeout(30_000);

  it('list | head -1 through a real shell pipe: one line out, nothing on stderr, status 0', async () => {
    const { code, stdout, stderr } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
    }>((resolve) => {
      // pipefail: the status is the CLI's too, not only head's.
      execFile(
        'bash',
        ['-o', 'pipefail', '-c', `"${process.execPath}" "${BIN}" list | head -1`],
        { timeout: 20_000, encoding: 'utf8' },
        (error, out, err) => {
          resolve({
            code: error ? (typeof error.code === 'number' ? error.code : null) : 0,
            stdout: out,
            stderr: err,
          });
        },
      );
    });
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
    expect(stdout.split('\n')).to.have.length(2);
    expect(stdout).to.match(/^DISC-01 /);
  });

  it('stdout closed before the first write (list --json): exit 0, no EPIPE trace', async () => {
    const child = spawn(process.execPath, [BIN, 'list', '--json'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // The reading end goes away at once: every write the CLI makes meets a closed pipe.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(killer);
    expect(stderr).to.equal('');
    expect(code).to.equal(0);
  });
});

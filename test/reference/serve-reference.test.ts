import 'reflect-metadata';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { Agent, request } from 'undici';
import { DEFECTS } from '../../lib/reference/defects.js';

const CLI = join(process.cwd(), 'dist', 'bin', 'mtls-conformance.js');

interface Started {
  child: ChildProcess;
  line: {
    issuer: string;
    targetConfig: string;
    pid: number;
    listening: { main: string; mtls: string };
  };
  ms: number;
}

/** Spawns `serve-reference` and waits (bounded) for its one JSON line. */
function serve(args: string[]): Promise<Started> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, 'serve-reference', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no JSON line within 15 s; stderr: ${stderr}`));
    }, 15_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const newline = stdout.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      resolve({
        child,
        line: JSON.parse(stdout.slice(0, newline)),
        ms: performance.now() - started,
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before its JSON line; stderr: ${stderr}`));
    });
  });
}

function stop(child: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`did not stop within 5 s of ${signal}`));
    }, 5_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    child.kill(signal);
  });
}

describe('serve-reference CLI', function () {
  this.timeout(40_000);
  let stateDir: string;
  const children: ChildProcess[] = [];

  before(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'mtls-serve-reference-'));
  });
  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(stateDir, { recursive: true, force: true });
  });

  it('prints one JSON line, serves its metadata, and stops with exit 0 on SIGTERM and SIGINT', async () => {
    const first = await serve(['--port', '0', '--state-dir', stateDir]);
    children.push(first.child);
    expect(first.line.issuer).to.match(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(first.line.targetConfig).to.equal(join(stateDir, 'target.json'));
    expect(first.line.pid).to.equal(first.child.pid);
    expect(first.line.listening).to.deep.equal({
      main: first.line.issuer,
      mtls: first.line.issuer,
    });
    const agent = new Agent({
      connect: { ca: await readFile(join(stateDir, 'certs', 'root-ca.pem'), 'utf8') },
    });
    try {
      const response = await request(
        `${first.line.issuer}/.well-known/oauth-authorization-server`,
        {
          dispatcher: agent,
        },
      );
      const metadata = (await response.body.json()) as { issuer: string };
      expect(metadata.issuer).to.equal(first.line.issuer);
    } finally {
      await agent.close();
    }
    expect(await stop(first.child, 'SIGTERM')).to.equal(0);

    // Second start on the existing state dir: no minting, measured from spawn to the line.
    const second = await serve(['--state-dir', stateDir, '--aliases', '--token-format', 'opaque']);
    children.push(second.child);
    process.stdout.write(
      `      start-up: first (minting) ${Math.round(first.ms)} ms, existing state dir ${Math.round(second.ms)} ms\n`,
    );
    const config = JSON.parse(await readFile(second.line.targetConfig, 'utf8'));
    expect(config.issuer).to.equal(second.line.issuer);
    expect(config.resource.url).to.not.contain(second.line.issuer);
    expect(await stop(second.child, 'SIGINT')).to.equal(0);
  });

  it('rejects an unknown defect with one line naming the valid ones (exit 2)', () => {
    const result = spawnSync(
      process.execPath,
      [CLI, 'serve-reference', '--state-dir', stateDir, '--defect', 'no-such-defect'],
      {
        encoding: 'utf8',
        timeout: 15_000,
      },
    );
    expect(result.status).to.equal(2);
    const lines = result.stderr.trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.contain('unknown defect "no-such-defect"');
    expect(lines[0]).to.contain('accept-missing-client-id');
  });

  it('--list-defects prints every defect with the catalog IDs it makes fail', () => {
    const result = spawnSync(process.execPath, [CLI, 'serve-reference', '--list-defects'], {
      encoding: 'utf8',
      timeout: 15_000,
    });
    expect(result.status).to.equal(0);
    for (const defect of DEFECTS) {
      expect(result.stdout).to.contain(defect.name);
      expect(result.stdout).to.contain(`fails: ${defect.fails.join(', ')}`);
    }
  });
});

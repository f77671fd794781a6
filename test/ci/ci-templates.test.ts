import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { parse } from 'yaml';
import { type ReferenceServer, startReferenceServer } from '../../lib/reference/server.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const SCRIPT = join(ROOT, 'ci/run-conformance.sh');
const MERGE_SCRIPT = join(ROOT, 'ci/merge-conformance.sh');
const CLI = join(ROOT, 'dist/bin/mtls-conformance.js');

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
  summary: string;
}

/**
 * The CI templates: ci/run-conformance.sh is what the GitHub Action and the GitLab template run,
 * so it runs here for real against the reference server; action.yml and ci/gitlab-ci.yml are
 * checked to pass every input to it and to keep the report even when the run fails.
 */
describe('CI templates', function () {
  this.timeout(90_000);
  let work: string;
  let good: ReferenceServer;
  let broken: ReferenceServer;
  let counter = 0;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'mtls-ci-'));
    const certsDir = join(work, 'certs');
    good = await startReferenceServer({ stateDir: join(work, 'good'), certsDir, port: 0 });
    broken = await startReferenceServer({
      stateDir: join(work, 'broken'),
      certsDir,
      port: 0,
      defects: ['rs-ignore-binding'],
    });
  });
  after(async () => {
    await good?.close();
    await broken?.close();
    await rm(work, { recursive: true, force: true });
  });

  async function runScript(
    env: Record<string, string>,
    script: string = SCRIPT,
  ): Promise<ScriptRun> {
    counter += 1;
    const output = join(work, `output-${counter}`);
    const summary = join(work, `summary-${counter}.md`);
    await writeFile(output, '');
    await writeFile(summary, '');
    const result = await new Promise<{ code: number; stdout: string; stderr: string }>(
      (resolve) => {
        execFile(
          'bash',
          [script],
          {
            cwd: work,
            timeout: 60_000,
            maxBuffer: 16 * 1024 * 1024,
            env: {
              PATH: process.env.PATH ?? '',
              HOME: process.env.HOME ?? work,
              MTLS_CONFORMANCE: `${process.execPath} ${CLI}`,
              GITHUB_OUTPUT: output,
              GITHUB_STEP_SUMMARY: summary,
              ...env,
            },
          },
          (err, stdout, stderr) =>
            resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        );
      },
    );
    return {
      ...result,
      output: await readFile(output, 'utf8'),
      summary: await readFile(summary, 'utf8'),
    };
  }

  it('a conformant target: exit 0, the outputs and a PASS summary, signed with a per-run key', async () => {
    const run = await runScript({
      MTLS_TARGET: good.targetConfigPath,
      MTLS_REPORT_DIR: 'report-good',
      MTLS_REQUIRE_COVERAGE: 'false',
    });
    expect(run.code, run.stderr).to.equal(0);
    expect(run.output).to.equal('exit-code=0\nreport-dir=report-good\n');
    expect(run.summary).to.match(/^### mtls-conformance: PASS$/m);
    expect(run.summary).to.match(/Coverage: MUST \d+ of \d+ ran/);
    expect(run.stdout).to.include('per-run key');
    const summary = JSON.parse(await readFile(join(work, 'report-good', 'summary.json'), 'utf8'));
    expect(summary.totals.failed).to.equal(0);
  });

  it('MUST failures: exit 1 and a table of the findings; MTLS_NO_FAIL leaves failing to the Action', async () => {
    const run = await runScript({
      MTLS_TARGET: broken.targetConfigPath,
      MTLS_REPORT_DIR: 'report-broken',
    });
    expect(run.code).to.equal(1);
    expect(run.summary).to.match(/^### mtls-conformance: FAIL \(verdict failures\)$/m);
    expect(run.summary).to.match(/^\| BIND-03 \| MUST \| failed \| /m);

    const deferred = await runScript({
      MTLS_TARGET: broken.targetConfigPath,
      MTLS_REPORT_DIR: 'report-deferred',
      MTLS_NO_FAIL: 'true',
    });
    expect(deferred.code).to.equal(0);
    expect(deferred.output).to.include('exit-code=1\n');
  });

  it('passes the strictness inputs on: --require-coverage fails a run that skipped a MUST', async () => {
    const run = await runScript({
      MTLS_TARGET: good.targetConfigPath,
      MTLS_REPORT_DIR: 'report-coverage',
      MTLS_REQUIRE_COVERAGE: 'true',
    });
    // The reference has no mtls_endpoint_aliases by default: DISC-04 (MUST) is skipped.
    expect(run.code).to.equal(1);
    expect(run.stdout).to.match(/--require-coverage: \d+ MUST scenarios? did not run/);
  });

  it('a mistake in the inputs is exit 2 with one line', async () => {
    const noTarget = await runScript({});
    expect(noTarget.code).to.equal(2);
    expect(noTarget.stderr.trim()).to.equal(
      'run-conformance: set MTLS_TARGET to the target config',
    );
    const notBoolean = await runScript({ MTLS_TARGET: good.targetConfigPath, MTLS_STRICT: 'yes' });
    expect(notBoolean.code).to.equal(2);
    expect(notBoolean.stderr.trim()).to.equal(
      "run-conformance: --strict: expected true or false, got 'yes'",
    );
  });

  it('a matrix of jobs, then one index: merge-conformance.sh checks every package and fails on the worst', async () => {
    for (const [server, name] of [
      [good, 'good'],
      [broken, 'broken'],
    ] as const) {
      await runScript({ MTLS_TARGET: server.targetConfigPath, MTLS_REPORT_DIR: `matrix/${name}` });
    }
    const merged = await runScript({ MTLS_REPORTS: 'matrix' }, MERGE_SCRIPT);
    expect(merged.code, merged.stderr).to.equal(1);
    expect(merged.output).to.equal('exit-code=1\nindex-dir=matrix\n');
    expect(merged.summary).to.match(
      /^### mtls-conformance fleet: 1 of 2 targets passed \(exit 1\)$/m,
    );
    expect(merged.summary).to.match(/^\| broken \| FAIL \| BIND-03, /m);
    expect(merged.summary).to.match(/^\| good \| PASS \| — \| MUST \d+ of \d+ ran/m);
    const index = JSON.parse(await readFile(join(work, 'matrix', 'fleet.json'), 'utf8'));
    expect(index.targets.map((t: { package: { state: string } }) => t.package.state)).to.deep.equal(
      ['intact', 'intact'],
    );
    const missing = await runScript({}, MERGE_SCRIPT);
    expect(missing.code).to.equal(2);
    expect(missing.stderr.trim()).to.equal(
      'merge-conformance: set MTLS_REPORTS to the folders holding the report packages',
    );
  });

  describe('action.yml, merge/action.yml and ci/gitlab-ci.yml', () => {
    /** The MTLS_* variables a script's header documents. */
    async function scriptInputs(script: string = SCRIPT): Promise<string[]> {
      const text = await readFile(script, 'utf8');
      return [...text.matchAll(/^# {3}(MTLS_[A-Z_]+) /gm)].map((m) => m[1] ?? '').sort();
    }

    for (const [file, script, step] of [
      ['action.yml', SCRIPT, 'run'],
      ['merge/action.yml', MERGE_SCRIPT, 'merge'],
    ] as const) {
      it(`${file} passes every input to its script, uploads always, and fails after`, async () => {
        const action = parse(await readFile(join(ROOT, file), 'utf8')) as {
          inputs: Record<string, { description?: string; required?: boolean }>;
          runs: {
            using: string;
            steps: Array<{
              id?: string;
              if?: string;
              uses?: string;
              run?: string;
              env?: Record<string, string>;
            }>;
          };
        };
        expect(action.runs.using).to.equal('composite');
        for (const [name, input] of Object.entries(action.inputs)) {
          expect(input.description, `input ${name}`).to.be.a('string').and.not.equal('');
        }
        const text = JSON.stringify(action.runs.steps);
        const referenced = [...text.matchAll(/inputs\.([a-z-]+)/g)].map((m) => m[1] ?? '');
        expect([...new Set(referenced)].sort()).to.deep.equal(Object.keys(action.inputs).sort());

        const run = action.runs.steps.find((s) => s.id === step);
        expect(run?.run).to.include(script.slice(ROOT.length));
        const env = Object.keys(run?.env ?? {}).sort();
        expect(env).to.deep.equal([...(await scriptInputs(script)), 'MTLS_NO_FAIL'].sort());

        const upload = action.runs.steps.find((s) => s.uses?.startsWith('actions/upload-artifact'));
        expect(upload?.if).to.match(/^always\(\)/);
        const last = action.runs.steps.at(-1);
        expect(last?.if).to.equal('always()');
        expect(last?.run).to.include('exit');
      });
    }

    it('the GitLab template keeps the report (junit too) and runs the same script', async () => {
      const template = parse(await readFile(join(ROOT, 'ci/gitlab-ci.yml'), 'utf8')) as Record<
        string,
        {
          script: string[];
          before_script: string[];
          artifacts: { when: string; paths: string[]; reports: { junit: string } };
        }
      >;
      const job = template['.mtls-conformance'];
      expect(job?.script.join('\n')).to.include('ci/run-conformance.sh');
      expect(job?.artifacts.when).to.equal('always');
      expect(job?.artifacts.paths).to.deep.equal(['$MTLS_REPORT_DIR']);
      expect(job?.artifacts.reports.junit).to.equal('$MTLS_REPORT_DIR/junit.xml');
      expect(job?.before_script.join('\n')).to.include('MTLS_CONFORMANCE_PACKAGE');
      const merge = template['.mtls-conformance-merge'];
      expect(merge?.script.join('\n')).to.include('ci/merge-conformance.sh');
      expect(merge?.artifacts.when).to.equal('always');
      expect(merge?.artifacts.paths).to.deep.equal([
        '$MTLS_INDEX_DIR/fleet.json',
        '$MTLS_INDEX_DIR/index.html',
      ]);
    });
  });
});

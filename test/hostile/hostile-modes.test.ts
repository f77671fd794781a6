import 'reflect-metadata';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { expect } from 'chai';
import { TargetUnreachableError } from '../../lib/errors.js';
import type { RunResult, ScenarioResult, TranscriptEvidence } from '../../lib/report/run-result.js';
import { progressLine } from '../../lib/runner/console-progress.js';
import { type RunTargetOutcome, runTarget } from '../../lib/runner/run-target.js';
import type { Selection } from '../../lib/runner/selection.js';
import { CATALOG } from '../../lib/scenarios/catalog/index.js';
import { HostileFixture } from './hostile-fixture.js';
import { type HostileMode, type HostileServer, MISMATCHED_ISSUER } from './hostile-server.js';
import { expectOutsideUntouched } from './outside-host.js';

/**
 * The whole catalog against a server that misbehaves in one way per mode. For every mode the run
 * ends within its documented bound, the scenarios the misbehaviour hits fail (or are skipped
 * behind the failed positive control) with a one-line reason naming what happened, nothing
 * crashes, and the report package is still written.
 *
 * Fast variant: for the modes that hang, 300 ms per request (so an exchange ends within 900 ms)
 * and a 3 s run deadline. Bound for a run that reaches its deadline: deadline + close grace
 * (connections of the abandoned scenario are destroyed at once) + report writing; asserted as
 * deadline + 4 s (slack for a loaded CI machine). Modes that answer at once get 1 s per request
 * (on a loaded machine a 300 ms handshake can time out, which would hide what the mode tests);
 * their bound is the run's own duration, asserted under 10 s here.
 */
const TIMEOUT_MS = 300;
const ANSWERING_TIMEOUT_MS = 1_000;
/** Modes that answer finish well before this; it only stops a regression from hanging. */
const ANSWERING_DEADLINE_MS = 8_000;
const DEADLINE_MS = 3_000;
const DEADLINE_BOUND_MS = DEADLINE_MS + 4_000;
const UNHURRIED_BOUND_MS = 10_000;

interface Row {
  mode: string;
  outcome: string;
  ms: number;
}

describe('hostile targets (fast variants)', function () {
  this.timeout(30_000);
  let fx: HostileFixture;
  const table: Row[] = [];

  before(async function () {
    this.timeout(60_000);
    fx = await HostileFixture.create();
  });
  after(async () => {
    await fx?.dispose();
    const width = Math.max(...table.map((r) => r.mode.length), 4);
    const lines = table.map(
      (r) => `    ${r.mode.padEnd(width)}  ${`${r.ms} ms`.padStart(8)}  ${r.outcome}`,
    );
    process.stdout.write(
      `\n  hostile modes (mode, time to finish, outcome):\n${lines.join('\n')}\n\n`,
    );
  });

  interface HostileRun {
    outcome: RunTargetOutcome;
    elapsedMs: number;
    server: HostileServer;
    console: string[];
    reportDir: string;
  }

  async function runAgainst(
    mode: HostileMode,
    extra: {
      dribbleIntervalMs?: number;
      label?: string;
      timeoutMs?: number;
      deadlineMs?: number;
      selection?: Selection;
      concurrency?: number;
    } = {},
  ): Promise<HostileRun> {
    const server = await fx.startHostile(mode, extra);
    try {
      const target = await fx.targetFor(server);
      const reportDir = join(fx.stateDir, `report-${extra.label ?? mode}`);
      const console: string[] = [];
      const started = performance.now();
      const outcome = await runTarget({
        targetFile: target,
        reportDir,
        timeoutMs: extra.timeoutMs ?? ANSWERING_TIMEOUT_MS,
        deadlineMs:
          extra.deadlineMs ?? (extra.timeoutMs === undefined ? ANSWERING_DEADLINE_MS : DEADLINE_MS),
        onResult: (r) => console.push(progressLine(r)),
        ...(extra.selection ? { selection: extra.selection } : {}),
        ...(extra.concurrency === undefined ? {} : { concurrency: extra.concurrency }),
      });
      const elapsedMs = Math.round(performance.now() - started);
      return { outcome, elapsedMs, server, console, reportDir };
    } finally {
      await server.close();
    }
  }

  function scenario(run: RunResult, id: string): ScenarioResult {
    const found = run.scenarios.find((s) => s.id === id);
    if (found === undefined) throw new Error(`${id} not in the run`);
    return found;
  }

  /** What the reader sees for a verdict: the one-line reason and the observed line. */
  function shown(s: ScenarioResult): string {
    return `${s.reason ?? ''} [${s.observed ?? ''}]`;
  }

  async function expectReportWritten(run: HostileRun): Promise<void> {
    const summary = JSON.parse(await readFile(join(run.reportDir, 'summary.json'), 'utf8')) as {
      scenarios: unknown[];
      interrupted?: boolean;
    };
    expect(summary.scenarios.length).to.equal(run.outcome.run.scenarios.length);
    expect(summary.interrupted).to.equal(run.outcome.run.interrupted);
    expect((await stat(join(run.reportDir, 'report.html'))).size).to.be.greaterThan(0);
    expect((await stat(join(run.reportDir, 'manifest.jws'))).size).to.be.greaterThan(0);
  }

  /** Every verdict that is not a pass says why, in one line; the console line is one line too. */
  function expectOneLineReasons(run: HostileRun): void {
    for (const s of run.outcome.run.scenarios) {
      if (s.status === 'passed') continue;
      expect(s.reason, `${s.id} has a reason`).to.be.a('string').and.not.equal('');
      expect(s.reason, `${s.id} reason is one line`).to.not.match(/[\r\n]/);
      expect(s.reason ?? '').to.not.match(/harness error/);
    }
    for (const line of run.console) expect(line).to.not.match(/[\r\n]/);
  }

  /** What every mode must show: done within its bound, every reason one line, a report. */
  async function expectFinishedWithin(run: HostileRun, boundMs: number): Promise<void> {
    expect(run.elapsedMs).to.be.below(boundMs);
    expectOneLineReasons(run);
    await expectReportWritten(run);
  }

  function record(mode: string, run: HostileRun, what: string): void {
    const r = run.outcome.run;
    table.push({
      mode,
      ms: run.elapsedMs,
      outcome: `exit ${run.outcome.exitCode}; ${r.totals.failed} failed, ${r.totals.skipped} skipped${r.interrupted ? ', interrupted' : ''}; ${what}`,
    });
  }

  function hostileTranscripts(run: RunResult, base: string): TranscriptEvidence[] {
    const unique = new Set<TranscriptEvidence>();
    for (const s of run.scenarios) {
      for (const e of s.evidence) {
        if (e.kind === 'transcript' && e.request.url.startsWith(base)) unique.add(e);
      }
    }
    return [...unique];
  }

  it('accepts and never answers: each request times out, the run deadline ends the run', async () => {
    // One scenario at a time: side by side, every scenario's requests time out at once and the
    // run ends before its deadline.
    const run = await runAgainst('never-answers', { timeoutMs: TIMEOUT_MS, concurrency: 1 });
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(
      /no answer: (no response headers within 300 ms|exchange not finished within 900 ms|no connection \(TCP \+ TLS handshake\) within 300 ms)/,
    );
    expect(run.outcome.run.interrupted).to.equal(true);
    expect(run.outcome.exitCode).to.equal(1);
    const notRun = run.outcome.run.scenarios.filter((s) => s.reason?.startsWith('not run: '));
    expect(notRun.length).to.be.greaterThan(0);
    expect(notRun[0]?.reason).to.equal(
      `not run: run deadline reached (--deadline-ms ${DEADLINE_MS})`,
    );
    await expectFinishedWithin(run, DEADLINE_BOUND_MS);
    record('never-answers', run, pki01.observed ?? '');
  });

  it('dribbles one byte every 2 s: the body timeout ends each exchange', async () => {
    const run = await runAgainst('dribble', { dribbleIntervalMs: 2_000, timeoutMs: TIMEOUT_MS });
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(
      /no answer: (no response body data for 300 ms|exchange not finished|no connection \(TCP \+ TLS handshake\) within 300 ms)/,
    );
    await expectFinishedWithin(run, DEADLINE_BOUND_MS);
    record('dribble (1 B / 2 s)', run, pki01.observed ?? '');
  });

  it('dribbles faster than the body timeout: the per-exchange total deadline still ends it', async () => {
    const run = await runAgainst('dribble', {
      dribbleIntervalMs: 100,
      label: 'dribble-fast',
      timeoutMs: 400,
      // Room for DISC-06 and PKI-01 to reach their 1.2 s exchange deadlines first.
      deadlineMs: 5_000,
    });
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(
      /exchange not finished within 1200 ms \(total deadline\)/,
    );
    expect(run.elapsedMs).to.be.below(5_000 + 4_000);
    expectOneLineReasons(run);
    await expectReportWritten(run);
    record('dribble (1 B / 100 ms)', run, pki01.observed ?? '');
  });

  it('answers a non-JSON body: no token, and the body is in the evidence', async () => {
    const run = await runAgainst('not-json');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(/no access token \[HTTP 200/);
    const bodies = pki01.evidence.flatMap((e) =>
      e.kind === 'transcript' ? [e.response?.body ?? ''] : [],
    );
    expect(bodies.join('\n')).to.include('Service Unavailable');
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('not-json', run, pki01.observed ?? '');
  });

  it('answers invalid UTF-8 that decodes to a "token": negatives fail, nothing crashes', async () => {
    const run = await runAgainst('invalid-utf8');
    const pki02 = scenario(run.outcome.run, 'PKI-02');
    expect(pki02.status).to.equal('failed');
    expect(pki02.reason).to.equal('an access token was issued');
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('invalid-utf8', run, `PKI-02: ${pki02.reason}`);
  });

  it('sends a 50 MB body: the cap holds, the rest is never read', async () => {
    const run = await runAgainst('huge-body');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(run.outcome.run.interrupted).to.equal(undefined);
    // What the server got out per response is the client's 1 MiB cap plus socket buffers.
    expect(run.server.stats.hostileRequests).to.be.greaterThan(0);
    expect(run.server.stats.hugeBodyMaxPerResponse).to.be.below(16 * 1024 * 1024);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record(
      'huge-body (50 MB)',
      run,
      `at most ${(run.server.stats.hugeBodyMaxPerResponse / 1024 / 1024).toFixed(1)} MiB left the server per response`,
    );
  });

  it('resets the connection mid-response: "connection lost while reading the response body"', async () => {
    const run = await runAgainst('reset-mid-response');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(/connection lost while reading the response body/);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('reset-mid-response', run, pki01.observed ?? '');
  });

  it('answers 5000-deep JSON: reported as invalid JSON, not as a lost connection', async () => {
    const run = await runAgainst('deep-json');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(
      /HTTP 400 \(response body is declared JSON but nests deeper than 100 levels: treated as invalid JSON\)/,
    );
    for (const s of run.outcome.run.scenarios) {
      expect(shown(s), s.id).to.not.match(/connection lost|Maximum call stack/);
    }
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('deep-json (5000 levels)', run, pki01.observed ?? '');
  });

  it('answers access_token as a number: no token', async () => {
    const run = await runAgainst('access-token-number');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(pki01.reason).to.match(/no access token$/);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('access_token a number', run, `PKI-01: ${pki01.reason}`);
  });

  it('answers cnf as a string and no token_type: the binding check fails, BIND-10 notes it', async () => {
    const run = await runAgainst('cnf-string-no-token-type');
    const bind01 = scenario(run.outcome.run, 'BIND-01');
    expect(bind01.status).to.equal('failed');
    expect(shown(bind01), shown(bind01)).to.match(/cnf|x5t#S256|bound/i);
    const bind10 = scenario(run.outcome.run, 'BIND-10');
    expect(`${shown(bind10)} ${bind10.notes.join(' ')}`).to.match(/token_type/);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('cnf a string, no token_type', run, `BIND-01: ${bind01.reason}`);
  });

  it('redirects every request to itself: not followed, one request per exchange', async () => {
    const run = await runAgainst('redirect-loop');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(/HTTP 302/);
    const transcripts = hostileTranscripts(run.outcome.run, run.server.endpointsBase);
    expect(run.server.stats.hostileRequests).to.equal(transcripts.length);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record(
      'redirect-loop',
      run,
      `${pki01.observed ?? ''}; ${transcripts.length} requests, none followed`,
    );
  });

  it('redirects to another origin: never followed, the other host sees nothing', async () => {
    const run = await runAgainst('redirect-elsewhere');
    expect(scenario(run.outcome.run, 'PKI-01').status).to.equal('failed');
    expectOutsideUntouched(run.server);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('redirect-elsewhere', run, 'HTTP 307 not followed; 0 connections to the other origin');
  });

  it('hands out a registration_client_uri on another origin: not used, the reason in the notes', async () => {
    const run = await runAgainst('foreign-management-uri');
    const notes = run.outcome.run.scenarios.flatMap((s) => s.notes);
    const foreign = notes.filter((n) => n.includes('registration_client_uri'));
    expect(foreign.length).to.be.greaterThan(0);
    for (const note of foreign) {
      expect(note).to.equal(
        `client hostile-client stays registered: its registration_client_uri is on ${run.server.outsideBase}, not an origin of the target, so it was not used (registration access tokens and client certificates go only to the target's own origins, over https)`,
      );
    }
    // Refused before any request: no DELETE was even attempted, so none is in the evidence.
    const transcripts = run.outcome.run.scenarios.flatMap((s) =>
      s.evidence.filter((e) => e.kind === 'transcript'),
    );
    expect(
      transcripts.filter((t) => t.request.url.startsWith(run.server.outsideBase)),
    ).to.deep.equal([]);
    expectOutsideUntouched(run.server);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('foreign registration_client_uri', run, 'not used (noted); 0 TCP connections outside');
  });

  it('refuses every TLS handshake: the refusal is named', async () => {
    const run = await runAgainst('tls-alert');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(/TLS handshake refused by the server/);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('tls-alert', run, pki01.observed ?? '');
  });

  it('lists its endpoints on a closed port: connection refused, named', async () => {
    const run = await runAgainst('closed-ports');
    const pki01 = scenario(run.outcome.run, 'PKI-01');
    expect(pki01.status).to.equal('failed');
    expect(shown(pki01), shown(pki01)).to.match(/ECONNREFUSED/);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('closed-ports', run, pki01.observed ?? '');
  });

  it('publishes metadata with another issuer: DISC-01 fails, nothing else runs, nothing goes where it points', async () => {
    const run = await runAgainst('issuer-mismatch');
    const disc01 = scenario(run.outcome.run, 'DISC-01');
    expect(disc01.status).to.equal('failed');
    expect(shown(disc01), shown(disc01)).to.equal(
      `the metadata issuer is not identical to the configured issuer "${run.server.issuer}" [issuer "${MISMATCHED_ISSUER}" at ${run.server.issuer}/.well-known/oauth-authorization-server]`,
    );
    const others = run.outcome.run.scenarios.filter((s) => s.id !== 'DISC-01');
    expect(others.length).to.equal(CATALOG.length - 1);
    const reason = `not run: the metadata issuer "${MISMATCHED_ISSUER}" is not the configured issuer "${run.server.issuer}", and RFC 8414 §3.3 forbids using such metadata: the run stops at DISC-01`;
    for (const s of others) {
      expect(s.status, s.id).to.equal('skipped');
      expect(s.reason, s.id).to.equal(reason);
      expect(s.evidence, s.id).to.deep.equal([]);
    }
    expect(run.outcome.exitCode).to.equal(1);
    expect(run.outcome.run.interrupted).to.equal(undefined);
    // Every endpoint and alias the document names is on the outside host: none was used. Only
    // the metadata fetch itself happened (DISC-01's), and nothing reached the resource either.
    expectOutsideUntouched(run.server);
    expect(run.server.stats.hostileRequests).to.equal(0);
    const urls = disc01.evidence.flatMap((e) => (e.kind === 'transcript' ? [e.request.url] : []));
    expect(urls).to.deep.equal([`${run.server.issuer}/.well-known/oauth-authorization-server`]);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
    record('issuer-mismatch', run, 'DISC-01 failed, the rest not run; 0 requests where it points');
  });

  it('publishes metadata with another issuer: a selection without DISC-01 still gets it, and fails', async () => {
    const run = await runAgainst('issuer-mismatch', {
      label: 'issuer-mismatch-only',
      selection: { only: ['PKI-01', 'BIND'] },
    });
    const ids = run.outcome.run.scenarios.map((s) => s.id);
    expect(ids[0]).to.equal('DISC-01');
    expect(ids.slice(1)).to.include('PKI-01');
    expect(ids.filter((id) => id.startsWith('DISC'))).to.deep.equal(['DISC-01']);
    expect(run.outcome.run.totals.failed).to.equal(1);
    expect(run.outcome.run.totals.skipped).to.equal(ids.length - 1);
    expect(run.outcome.exitCode).to.equal(1);
    expectOutsideUntouched(run.server);
    await expectFinishedWithin(run, UNHURRIED_BOUND_MS);
  });

  it('never answers even the metadata: one-line "cannot reach" within 2 × 3 × timeout, no report', async () => {
    const server = await fx.startHostile('metadata-never-answers');
    try {
      const target = await fx.targetFor(server);
      const started = performance.now();
      let error: unknown;
      try {
        await runTarget({ targetFile: target, timeoutMs: TIMEOUT_MS, deadlineMs: DEADLINE_MS });
      } catch (err) {
        error = err;
      }
      const ms = Math.round(performance.now() - started);
      expect(error).to.be.instanceOf(TargetUnreachableError);
      const message = (error as Error).message;
      expect(message).to.match(/cannot reach the authorization server/);
      expect(message).to.not.match(/[\r\n]/);
      expect(ms).to.be.below(2 * 3 * TIMEOUT_MS + 1_500);
      table.push({
        mode: 'metadata-never-answers',
        ms,
        outcome: `exit 3 (no Target, no report): ${message.slice(0, 90)}…`,
      });
    } finally {
      await server.close();
    }
  });

  it('a run deadline during discovery ends discovery at the deadline', async () => {
    const server = await fx.startHostile('metadata-never-answers');
    try {
      const target = await fx.targetFor(server);
      const started = performance.now();
      let error: unknown;
      try {
        // Requests alone would take 2 × 3 s here; the 500 ms run deadline must win.
        await runTarget({ targetFile: target, timeoutMs: 1_000, deadlineMs: 500 });
      } catch (err) {
        error = err;
      }
      const ms = Math.round(performance.now() - started);
      expect(error).to.be.instanceOf(TargetUnreachableError);
      expect((error as Error).message).to.match(
        /did not finish: run deadline reached \(--deadline-ms 500\)/,
      );
      expect(ms).to.be.below(1_500);
    } finally {
      await server.close();
    }
  });
});

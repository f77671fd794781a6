import { expect } from 'chai';
import { renderFront } from '../../lib/report/report-front.js';
import { verdictWords } from '../../lib/report/verdict-words.js';
import { everyStatusRun, runResult, scenario } from './fixtures.js';

describe('report.html front: the verdict in words, findings first', () => {
  it('lists each failed MUST and SHOULD with its clause and why, linked to its details', () => {
    const html = renderFront(everyStatusRun(), { strict: false, signer: 'Signed by XYZ' });
    expect(html).to.match(
      /<p id="mc-verdict" class="mc-verdict mc-fail"><b>FAIL<\/b>: 1 MUST requirement not met, 1 SHOULD warning; /,
    );
    expect(html).to.include(
      '<tr><td><a href="#finding-PKI-02">PKI-02</a></td><td class="mc-red">MUST</td><td>no client_id is rejected</td><td>RFC 8705 §2</td><td>token issued without client_id</td></tr>',
    );
    expect(html).to.include(
      '<a href="#finding-PKI-12">PKI-12</a></td><td class="mc-amber">SHOULD</td>',
    );
    expect(html).to.include('<section id="finding-PKI-02" class="mc-finding">');
    expect(html).to.include('<section id="finding-PKI-12" class="mc-finding">');
    // Skips, expected failures and passes are not findings.
    for (const id of ['REG-01', 'BIND-03', 'BIND-10', 'DISC-01']) {
      expect(html).to.not.include(`finding-${id}`);
    }
    expect(html).to.include('<p id="mc-signer">Signed by XYZ</p>');
    expect(html).to.match(
      /<p id="mc-coverage">Coverage: MUST 3 of 4 ran, SHOULD 1 of 1 ran<\/p><ul><li><b>REG-01<\/b> not run: no registration_endpoint in metadata<\/li><\/ul>/,
    );
  });

  it('says when nothing failed, and shows the configuration and where it ran', () => {
    const html = renderFront(
      runResult([scenario({ id: 'PKI-01' })], {
        configuration: { issuer: 'https://as.example', clients: [{ clientSecret: '[redacted]' }] },
        environment: { node: 'v20.20.2', openssl: '3.0.19', platform: 'linux x64' },
      }),
      { strict: false },
    );
    expect(html).to.include(
      '<b>PASS</b>: every MUST scenario that ran passed; all 1 selected MUST scenarios ran.',
    );
    expect(html).to.include('No MUST or SHOULD requirement failed.');
    expect(html).to.include(
      'mtls-conformance 0.1.0 · catalog v1 · Node v20.20.2 · OpenSSL 3.0.19 · linux x64',
    );
    expect(html).to.match(
      /<details id="mc-configuration"><summary>Configuration used \([^)]*target.yaml; secrets redacted, keys never read\)<\/summary><pre>\{\n {2}&#34;issuer&#34;/,
    );
  });
});

describe('the verdict in words', () => {
  const pass = scenario({ id: 'PKI-01' });
  const warn = scenario({ id: 'PKI-12', level: 'SHOULD', status: 'warning', reason: 'x' });
  const skippedMust = scenario({ id: 'PUB-01', status: 'skipped', reason: 'no public client' });

  it('follows the exit code: warnings pass unless --strict, a stop or an interruption never passes', () => {
    expect(verdictWords(runResult([pass, warn]), { strict: false }).headline).to.equal(
      'PASS WITH WARNINGS',
    );
    expect(verdictWords(runResult([pass, warn]), { strict: true })).to.include({
      headline: 'FAIL (--strict)',
      passed: false,
    });
    expect(verdictWords(runResult([pass], { stopped: true }), { strict: false }).headline).to.equal(
      'NOT TESTED',
    );
    expect(
      verdictWords(runResult([pass], { interrupted: true }), { strict: false }).headline,
    ).to.equal('INTERRUPTED');
  });

  it('a set-up problem is never headed PASS: it is what the exit code (2) says', () => {
    const pass = scenario({ id: 'PKI-01' });
    const blocked = scenario({
      id: 'CODE-01',
      status: 'skipped',
      reason: 'set-up problem: browser login for code-client: login step 1 failed',
    });
    const plainSkip = scenario({ id: 'CODE-05', status: 'skipped', reason: 'no PAR endpoint' });
    expect(verdictWords(runResult([pass, blocked]), { strict: false })).to.include({
      headline: 'SET-UP PROBLEM',
      passed: false,
    });
    expect(verdictWords(runResult([pass, blocked]), { strict: false }).detail).to.match(
      /^no MUST failed, but 1 scenario could not be judged because of the set-up/,
    );
    // An ordinary skip (the server lacks a feature) is coverage, not a set-up problem.
    expect(verdictWords(runResult([pass, plainSkip]), { strict: false }).headline).to.equal('PASS');
    // A failure still heads the verdict.
    const failed = scenario({ id: 'PKI-02', status: 'failed', reason: 'accepted' });
    expect(verdictWords(runResult([failed, blocked]), { strict: false }).headline).to.equal('FAIL');
  });

  it('a pass says how much went untested; --require-coverage turns that into a failure', () => {
    const run = runResult([pass, skippedMust]);
    expect(verdictWords(run, { strict: false }).detail).to.equal(
      'every MUST scenario that ran passed; 1 of 2 selected MUST scenarios ran (1 not run: see coverage)',
    );
    run.coverage.required = true;
    expect(verdictWords(run, { strict: false }).headline).to.equal('FAIL (--require-coverage)');
  });
});

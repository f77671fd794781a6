import 'reflect-metadata';
import { expect } from 'chai';
import { junitTestcaseName, toJunitXml } from '../../lib/report/junit.js';
import { everyStatusRun, runResult, scenario } from './fixtures.js';
import { childrenNamed, parseXml, type XmlElement } from './xml-check.js';

function suitesOf(xml: string): XmlElement[] {
  const root = parseXml(xml);
  expect(root.name).to.equal('testsuites');
  return childrenNamed(root, 'testsuite');
}

function testcase(xml: string, id: string): XmlElement {
  for (const suite of suitesOf(xml)) {
    for (const tc of childrenNamed(suite, 'testcase')) {
      if (tc.attrs.name?.startsWith(`[${id}] `)) return tc;
    }
  }
  throw new Error(`no testcase for ${id}`);
}

describe('report: junit.xml', () => {
  const run = everyStatusRun();
  const xml = toJunitXml(run);

  it('is well-formed, one testsuite per section in catalog order, one testcase per scenario', () => {
    const suites = suitesOf(xml);
    expect(suites.map((s) => s.attrs.name)).to.deep.equal(['DISC', 'PKI', 'BIND', 'REG']);
    const cases = suites.flatMap((s) => childrenNamed(s, 'testcase'));
    expect(cases).to.have.length(run.scenarios.length);
    for (const suite of suites) {
      for (const tc of childrenNamed(suite, 'testcase')) {
        expect(tc.attrs.classname).to.equal(suite.attrs.name);
      }
    }
  });

  it('names each testcase "[ID] title (clause, LEVEL)" with its time in seconds', () => {
    const tc = testcase(xml, 'PKI-02');
    expect(tc.attrs.name).to.equal('[PKI-02] no client_id is rejected (RFC 8705 §2, MUST)');
    expect(tc.attrs.time).to.equal('0.031');
    expect(
      junitTestcaseName(scenario({ id: 'X-01', title: 't', spec: 's', level: 'INFO' })),
    ).to.equal('[X-01] t (s, INFO)');
  });

  it('counts tests, failures and skipped per suite and overall; time is the sum', () => {
    const root = parseXml(xml);
    expect(root.attrs).to.include({
      tests: '6',
      failures: '1',
      errors: '0',
      skipped: '2',
      time: '0.987',
      timestamp: '2026-11-26T15:00:00',
    });
    const pki = suitesOf(xml).find((s) => s.attrs.name === 'PKI');
    expect(pki?.attrs).to.include({ tests: '2', failures: '1', skipped: '0', time: '0.039' });
    const bind = suitesOf(xml).find((s) => s.attrs.name === 'BIND');
    expect(bind?.attrs).to.include({ tests: '2', failures: '0', skipped: '1', time: '0.023' });
    // The attributes agree with the elements actually present.
    for (const suite of suitesOf(xml)) {
      const cases = childrenNamed(suite, 'testcase');
      const failures = cases.filter((c) => childrenNamed(c, 'failure').length > 0).length;
      const skipped = cases.filter((c) => childrenNamed(c, 'skipped').length > 0).length;
      expect([suite.attrs.tests, suite.attrs.failures, suite.attrs.skipped]).to.deep.equal([
        String(cases.length),
        String(failures),
        String(skipped),
      ]);
    }
  });

  it('passed: an empty testcase; an unexpected pass says the baseline can shrink', () => {
    expect(testcase(xml, 'DISC-01').children).to.deep.equal([]);
    const tc = testcase(xml, 'BIND-10');
    expect(childrenNamed(tc, 'failure')).to.have.length(0);
    expect(childrenNamed(tc, 'system-out')[0]?.text).to.match(/expected failure but passed/);
  });

  it('failed: <failure message=reason type=LEVEL> with expected and observed in the body', () => {
    const [failure] = childrenNamed(testcase(xml, 'PKI-02'), 'failure');
    expect(failure?.attrs).to.deep.equal({
      message: 'token issued without client_id',
      type: 'MUST',
    });
    expect(failure?.text).to.include('expected: HTTP 400/401');
    expect(failure?.text).to.include('observed: HTTP 200 with access_token');
    expect(failure?.text).to.include('note: connection reused: no');
  });

  it('warning: passes for CI with WARNING in system-out; strict makes it a SHOULD failure', () => {
    const lenient = testcase(xml, 'PKI-12');
    expect(childrenNamed(lenient, 'failure')).to.have.length(0);
    expect(childrenNamed(lenient, 'system-out')[0]?.text).to.match(
      /^WARNING: stray client_secret ignored\nexpected: rejected\nobserved: HTTP 200$/,
    );

    const strictXml = toJunitXml(run, { strict: true });
    const [failure] = childrenNamed(testcase(strictXml, 'PKI-12'), 'failure');
    expect(failure?.attrs).to.deep.equal({
      message: 'stray client_secret ignored',
      type: 'SHOULD',
    });
    expect(parseXml(strictXml).attrs).to.include({ failures: '2' });
    const pki = suitesOf(strictXml).find((s) => s.attrs.name === 'PKI');
    expect(pki?.attrs).to.include({ failures: '2' });
  });

  it('skipped: <skipped message=reason/>', () => {
    const tc = testcase(xml, 'REG-01');
    expect(childrenNamed(tc, 'skipped')[0]?.attrs).to.deep.equal({
      message: 'no registration_endpoint in metadata',
    });
  });

  it('expected failure: skipped with "expected failure: <reason>", the observation in system-out', () => {
    const tc = testcase(xml, 'BIND-03');
    expect(childrenNamed(tc, 'skipped')[0]?.attrs.message).to.equal(
      'expected failure: vendor ticket #42',
    );
    expect(childrenNamed(tc, 'failure')).to.have.length(0);
    expect(childrenNamed(tc, 'system-out')[0]?.text).to.include(
      'failed as expected: resource answered 200 to another certificate',
    );
  });

  it('escapes markup and quotes, keeps line breaks in attributes, replaces forbidden characters', () => {
    const nasty =
      'a <b> & "c" \'d\' ]]> \u001b[31mred\u001b[0m\u0000 nul \ud800 lone \uffff 😀\ttab\nline2';
    const evil = runResult([
      scenario({
        id: 'BIND-06',
        title: `spoof </testcase><testcase name="x"> ${nasty}`,
        status: 'failed',
        reason: nasty,
        expected: nasty,
        observed: '</failure><!-- -->',
      }),
    ]);
    const out = toJunitXml(evil);
    const tc = testcase(out, 'BIND-06');
    expect(suitesOf(out).flatMap((s) => childrenNamed(s, 'testcase'))).to.have.length(1);
    const [failure] = childrenNamed(tc, 'failure');
    const cleaned =
      'a <b> & "c" \'d\' ]]> \\u001b[31mred\\u001b[0m\\u0000 nul \\ud800 lone \\uffff 😀\ttab\nline2';
    expect(failure?.attrs.message).to.equal(cleaned);
    expect(failure?.text).to.include(`expected: ${cleaned}`);
    expect(failure?.text).to.include('observed: </failure><!-- -->');
    expect(tc.attrs.name).to.include('spoof </testcase><testcase name="x">');
  });

  it('marks an interrupted run and handles an empty one', () => {
    const empty = toJunitXml(runResult([], { interrupted: true }));
    expect(parseXml(empty).attrs).to.include({ tests: '0', failures: '0', skipped: '0' });
    const partial = toJunitXml(runResult([scenario({ id: 'DISC-01' })], { interrupted: true }));
    expect(partial).to.include('<property name="run.interrupted" value="true"/>');
  });

  it('the checker itself rejects broken XML', () => {
    const prolog = '<?xml version="1.0"?>';
    for (const bad of [
      `${prolog}<a><b></a></b>`,
      `${prolog}<a x="1 < 2"/>`,
      `${prolog}<a>fish & chips</a>`,
      `${prolog}<a>\u0001</a>`,
      `${prolog}<a/><b/>`,
      `${prolog}<a>`,
    ]) {
      expect(() => parseXml(bad), bad).to.throw();
    }
  });
});

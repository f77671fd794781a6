import type { RunResult, ScenarioResult, Section } from './run-result.js';
import { escapeXmlAttribute as attr, escapeXmlText as text } from './xml-escape.js';

export interface JunitOptions {
  /** --strict: SHOULD failures (status `warning`) fail the CI job, so they become <failure>. */
  strict?: boolean;
}

// Catalog order (CATALOG.md), so CI UIs list the suites the way the catalog reads.
const SECTION_ORDER: readonly Section[] = ['DISC', 'PKI', 'SELF', 'BIND', 'REG', 'PUB', 'EP'];

/**
 * junit.xml for CI UIs: one <testsuite> per catalog section, one <testcase> per scenario.
 * A warning passes (unless strict) but says so in <system-out>; an expected failure is reported
 * as skipped so the baseline does not fail the job.
 */
export function toJunitXml(run: RunResult, options: JunitOptions = {}): string {
  const strict = options.strict === true;
  const bySection = groupBySection(run.scenarios);
  const suites = [...bySection].map(([section, scenarios]) =>
    renderSuite({ section, scenarios, run, strict }),
  );
  const all = tally(run.scenarios, strict);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(run.harness.name)}" tests="${all.tests}" failures="${all.failures}" errors="0" skipped="${all.skipped}" time="${seconds(run.durationMs)}" timestamp="${attr(junitTimestamp(run.startedAt))}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

function groupBySection(scenarios: readonly ScenarioResult[]): Map<Section, ScenarioResult[]> {
  const groups = new Map<Section, ScenarioResult[]>();
  const known = new Set<string>(SECTION_ORDER);
  // Known sections first in catalog order, then any other section in first-seen order.
  for (const section of SECTION_ORDER) {
    const members = scenarios.filter((s) => s.section === section);
    if (members.length > 0) groups.set(section, members);
  }
  for (const s of scenarios) {
    if (known.has(s.section)) continue;
    const members = groups.get(s.section) ?? [];
    members.push(s);
    groups.set(s.section, members);
  }
  return groups;
}

interface Tally {
  tests: number;
  failures: number;
  skipped: number;
}

function tally(scenarios: readonly ScenarioResult[], strict: boolean): Tally {
  let failures = 0;
  let skipped = 0;
  for (const s of scenarios) {
    const outcome = junitOutcome(s, strict);
    if (outcome === 'failure') failures += 1;
    else if (outcome === 'skipped') skipped += 1;
  }
  return { tests: scenarios.length, failures, skipped };
}

type JunitOutcome = 'pass' | 'failure' | 'skipped';

function junitOutcome(s: ScenarioResult, strict: boolean): JunitOutcome {
  switch (s.status) {
    case 'passed':
      return 'pass';
    case 'failed':
      return 'failure';
    case 'warning':
      return strict ? 'failure' : 'pass';
    case 'skipped':
    case 'expected-failure':
      return 'skipped';
  }
}

function renderSuite(args: {
  section: Section;
  scenarios: ScenarioResult[];
  run: RunResult;
  strict: boolean;
}): string {
  const { section, scenarios, run, strict } = args;
  const counts = tally(scenarios, strict);
  const timeMs = scenarios.reduce((sum, s) => sum + s.durationMs, 0);
  const { must, should } = run.coverage;
  const properties = [
    ['harness.version', run.harness.version],
    ['catalog.version', run.catalogVersion],
    ['target.issuer', run.target.issuer ?? ''],
    ...(run.interrupted === true ? [['run.interrupted', 'true']] : []),
    // Coverage of the whole run (not of this suite): a CI UI shows what a green job tested.
    ['coverage.must.selected', String(must.selected)],
    ['coverage.must.ran', String(must.ran)],
    ['coverage.must.skipped', must.skipped.map((s) => s.id).join(' ')],
    ['coverage.should.selected', String(should.selected)],
    ['coverage.should.ran', String(should.ran)],
    ['coverage.required', String(run.coverage.required)],
    ...(run.baseline === undefined
      ? []
      : [['baseline.stale', run.baseline.stale.map((e) => `${e.id}:${e.file}`).join(' ')]]),
  ].map(
    ([name, value]) => `      <property name="${attr(name ?? '')}" value="${attr(value ?? '')}"/>`,
  );
  return [
    `  <testsuite name="${attr(section)}" tests="${counts.tests}" failures="${counts.failures}" errors="0" skipped="${counts.skipped}" time="${seconds(timeMs)}" timestamp="${attr(junitTimestamp(run.startedAt))}">`,
    '    <properties>',
    ...properties,
    '    </properties>',
    ...scenarios.map((s) => renderTestcase(s, strict)),
    '  </testsuite>',
  ].join('\n');
}

/** `[ID] title (clause, LEVEL)`: the same title the HTML report and the console use. */
export function junitTestcaseName(s: ScenarioResult): string {
  return `[${s.id}] ${s.title} (${s.spec}, ${s.level})`;
}

function renderTestcase(s: ScenarioResult, strict: boolean): string {
  const open = `    <testcase classname="${attr(s.section)}" name="${attr(junitTestcaseName(s))}" time="${seconds(s.durationMs)}"`;
  const children: string[] = [];
  const reason = s.reason ?? '';
  const details = detailLines(s);

  switch (s.status) {
    case 'passed':
      if (s.unexpectedPass === true) {
        details.unshift(
          'NOTE: listed as an expected failure but passed: remove it from the expected-failures file.',
        );
      }
      break;
    case 'failed':
      children.push(failureElement(s.level, reason, details));
      details.length = 0;
      break;
    case 'warning':
      if (strict) {
        children.push(failureElement('SHOULD', reason, details));
        details.length = 0;
      } else {
        details.unshift(`WARNING: ${reason}`);
      }
      break;
    case 'skipped':
      children.push(`      <skipped message="${attr(reason)}"/>`);
      break;
    case 'expected-failure':
      children.push(
        `      <skipped message="${attr(`expected failure: ${s.expectedFailureReason ?? reason}`)}"/>`,
      );
      if (s.expectedFailureReason !== undefined && reason !== '') {
        details.unshift(`failed as expected: ${reason}`);
      }
      break;
  }
  if (details.length > 0) {
    children.push(`      <system-out>${text(details.join('\n'))}</system-out>`);
  }
  if (children.length === 0) return `${open}/>`;
  return [`${open}>`, ...children, '    </testcase>'].join('\n');
}

function failureElement(type: string, message: string, body: string[]): string {
  return `      <failure message="${attr(message)}" type="${attr(type)}">${text(body.join('\n'))}</failure>`;
}

/** expected / observed / notes, the explanation a CI reader needs without opening the HTML. */
function detailLines(s: ScenarioResult): string[] {
  const lines: string[] = [];
  if (s.expected !== undefined) lines.push(`expected: ${s.expected}`);
  if (s.observed !== undefined) lines.push(`observed: ${s.observed}`);
  for (const note of s.notes) lines.push(`note: ${note}`);
  return lines;
}

// The Ant JUnit schema that CI parsers follow wants a local date-time without zone or
// fraction; the run's UTC start is written that way.
function junitTimestamp(startedAt: string): string {
  const time = Date.parse(startedAt);
  return Number.isNaN(time) ? startedAt : new Date(time).toISOString().slice(0, 19);
}

function seconds(ms: number): string {
  return (Math.max(0, ms) / 1000).toFixed(3);
}

#!/usr/bin/env bash
# Runs mtls-conformance in a CI job: the one script behind the GitHub Action (action.yml) and
# the GitLab CI template (ci/gitlab-ci.yml), so both behave alike and the project's own tests
# exercise exactly what they run.
#
# Inputs (environment):
#   MTLS_TARGET               target config (required)
#   MTLS_REPORT_DIR           report package folder (default: mtls-conformance-report)
#   MTLS_EXPECTED_FAILURES    baseline of known failures (optional)
#   MTLS_EXPECTED_SKIPS       baseline of MUSTs this target cannot support (optional)
#   MTLS_STRICT               true: SHOULD warnings fail the job too
#   MTLS_REQUIRE_COVERAGE     true: a MUST that did not run fails the job
#   MTLS_STRICT_BASELINE      true: a baseline entry that no longer holds fails the job
#   MTLS_SIGN_KEY             private key file that signs the package (default: a per-run key)
#   MTLS_ARGS                 more `run` options, split on spaces
#   MTLS_CONFORMANCE          how to start the tool (default: mtls-conformance on PATH, else the
#                             node entry of the package this script belongs to)
# Outputs: the run's exit code (0 ok, 1 verdict failures, 2 set-up or config error, 3 target
# unreachable); with GITHUB_OUTPUT, `exit-code` and `report-dir`; with GITHUB_STEP_SUMMARY, a
# Markdown summary of the verdict. MTLS_NO_FAIL=true exits 0 whatever the verdict (the Action
# fails the job itself, after uploading the report).
set -uo pipefail

die() {
  echo "run-conformance: $*" >&2
  exit 2
}

[ -n "${MTLS_TARGET:-}" ] || die "set MTLS_TARGET to the target config"
report_dir=${MTLS_REPORT_DIR:-mtls-conformance-report}

if [ -n "${MTLS_CONFORMANCE:-}" ]; then
  read -r -a tool <<<"$MTLS_CONFORMANCE"
elif command -v mtls-conformance >/dev/null 2>&1; then
  tool=(mtls-conformance)
else
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  tool=(node "$here/../dist/bin/mtls-conformance.js")
fi

flag() { # flag NAME VALUE: the flag when VALUE is true, nothing when false or empty
  case "${2:-}" in
    true) args+=("$1") ;;
    false | "") ;;
    *) die "$1: expected true or false, got '$2'" ;;
  esac
}

args=(run --target "$MTLS_TARGET" --report-dir "$report_dir")
[ -z "${MTLS_EXPECTED_FAILURES:-}" ] || args+=(--expected-failures "$MTLS_EXPECTED_FAILURES")
[ -z "${MTLS_EXPECTED_SKIPS:-}" ] || args+=(--expected-skips "$MTLS_EXPECTED_SKIPS")
flag --strict "${MTLS_STRICT:-}"
flag --require-coverage "${MTLS_REQUIRE_COVERAGE:-}"
flag --strict-baseline "${MTLS_STRICT_BASELINE:-}"
if [ -n "${MTLS_SIGN_KEY:-}" ]; then
  args+=(--sign-key "$MTLS_SIGN_KEY")
else
  # A CI runner's home is thrown away after the job: a stable key made there would sign once.
  args+=(--per-run-key)
fi
if [ -n "${MTLS_ARGS:-}" ]; then
  read -r -a extra <<<"$MTLS_ARGS"
  args+=("${extra[@]}")
fi

"${tool[@]}" "${args[@]}"
code=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "report-dir=$report_dir"
  } >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$report_dir/summary.json" ]; then
  node - "$report_dir/summary.json" "$code" >>"$GITHUB_STEP_SUMMARY" <<'JS'
const [file, code] = process.argv.slice(2);
const s = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
// The summary's strings are escaped by the harness; Markdown needs | and ` kept out of cells.
const cell = (t) => String(t).replace(/[|`<>]/g, (c) => `&#${c.charCodeAt(0)};`);
const verdict = { 0: 'PASS', 1: 'FAIL (verdict failures)', 2: 'SET-UP OR CONFIG ERROR', 3: 'TARGET UNREACHABLE' }[code] ?? `exit ${code}`;
const t = s.totals;
const c = s.coverage;
const out = [
  `### mtls-conformance: ${verdict}`,
  '',
  `Target \`${cell(s.target.issuer ?? '(none)')}\` · passed ${t.passed} · failed ${t.failed} · warnings ${t.warnings} · skipped ${t.skipped} · expected failures ${t.expectedFailures}`,
];
if (c) out.push('', `Coverage: MUST ${c.must.ran} of ${c.must.selected} ran, SHOULD ${c.should.ran} of ${c.should.selected} ran`);
const findings = s.scenarios.filter((x) => x.status === 'failed' || x.status === 'warning');
if (findings.length > 0) {
  out.push('', '| ID | level | verdict | why |', '|---|---|---|---|');
  for (const f of findings) out.push(`| ${cell(f.id)} | ${f.level} | ${f.status} | ${cell(f.reason ?? '')} |`);
}
for (const m of c?.must.skipped ?? []) out.push(`- MUST not run: ${cell(m.id)}: ${cell(m.reason)}`);
console.log(out.join('\n'));
JS
fi

if [ "${MTLS_NO_FAIL:-false}" = true ]; then exit 0; fi
exit "$code"

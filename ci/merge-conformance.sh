#!/usr/bin/env bash
# Builds one fleet index over the report packages of several CI jobs (a matrix over targets,
# each running ci/run-conformance.sh): mtls-conformance merge-reports checks every package, as
# verify-report does, and writes fleet.json and index.html. The one script behind
# merge/action.yml and the GitLab template's .mtls-conformance-merge job.
#
# Inputs (environment):
#   MTLS_REPORTS              folders holding the packages (each a package, or one per
#                             subfolder, as the jobs' artifacts arrive), split on spaces (required)
#   MTLS_INDEX_DIR            where fleet.json and index.html go (default: the first of
#                             MTLS_REPORTS)
#   MTLS_SIGNER               the key every package must be signed by (public JWK or PEM file,
#                             inline JWK, or its thumbprint); empty: checked against the key each
#                             package carries (intact, signer not pinned)
#   MTLS_CONFORMANCE          how to start the tool (as in ci/run-conformance.sh)
# Outputs: merge-reports' exit code (0 every target passed, 1 a verdict failure or a package
# that does not verify, 2 set-up or config error, 3 a target unreachable); with GITHUB_OUTPUT,
# `exit-code` and `index-dir`; with GITHUB_STEP_SUMMARY, a Markdown table of the fleet.
# MTLS_NO_FAIL=true exits 0 whatever the verdict (the Action fails the job itself, after
# uploading the index).
set -uo pipefail

die() {
  echo "merge-conformance: $*" >&2
  exit 2
}

[ -n "${MTLS_REPORTS:-}" ] || die "set MTLS_REPORTS to the folders holding the report packages"
read -r -a reports <<<"$MTLS_REPORTS"
index_dir=${MTLS_INDEX_DIR:-${reports[0]}}

if [ -n "${MTLS_CONFORMANCE:-}" ]; then
  read -r -a tool <<<"$MTLS_CONFORMANCE"
elif command -v mtls-conformance >/dev/null 2>&1; then
  tool=(mtls-conformance)
else
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  tool=(node "$here/../dist/bin/mtls-conformance.js")
fi

args=(merge-reports "${reports[@]}" --out "$index_dir")
[ -z "${MTLS_SIGNER:-}" ] || args+=(--key "$MTLS_SIGNER")

"${tool[@]}" "${args[@]}"
code=$?

if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "exit-code=$code"
    echo "index-dir=$index_dir"
  } >>"$GITHUB_OUTPUT"
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$index_dir/fleet.json" ]; then
  node - "$index_dir/fleet.json" >>"$GITHUB_STEP_SUMMARY" <<'JS'
const [file] = process.argv.slice(2);
const index = JSON.parse(require('node:fs').readFileSync(file, 'utf8'));
// The index's strings come from the packages' summaries (escaped by the harness); Markdown needs
// | and ` kept out of cells.
const cell = (t) => String(t).replace(/[|`<>]/g, (c) => `&#${c.charCodeAt(0)};`);
const t = index.totals;
const out = [
  `### mtls-conformance fleet: ${t.passed} of ${t.targets} targets passed (exit ${index.exitCode})`,
  '',
  '| target | verdict | failed (MUST) | coverage | package |',
  '|---|---|---|---|---|',
];
for (const r of index.targets) {
  out.push(
    `| ${cell(r.name)} | ${cell(r.verdict.headline)} | ${cell(r.failed.join(', ') || '—')} | ${cell(r.coverage ?? '—')} | ${cell(r.package?.state ?? '')} |`,
  );
}
console.log(out.join('\n'));
JS
fi

if [ "${MTLS_NO_FAIL:-false}" = true ]; then exit 0; fi
exit "$code"

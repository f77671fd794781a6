import { UsageError } from '../errors.js';
import { decorateTest } from '../report/html-report.js';
import type { Section } from '../report/run-result.js';
import { CATALOG } from '../scenarios/catalog/index.js';
import { createRunServices, type RunServices } from '../scenarios/context.js';
import { loadTarget } from '../target/load-target.js';
import { DEFAULT_TIMEOUT_MS } from './defaults.js';
import { evaluateScenario } from './evaluate.js';
import { scenarioTestBody } from './scenario-test.js';
import { SECTION_TITLES } from './section-titles.js';
import { testTitle } from './test-title.js';

/** Names the target config when the suites/ spec files run under the plain mocha CLI. */
export const TARGET_ENV = 'MTLS_CONFORMANCE_TARGET';

/**
 * Registers one catalog section with mocha's `describe`/`it`, for the spec files in suites/
 * (`MTLS_CONFORMANCE_TARGET=t.yaml npx mocha dist/suites/*.js`, with any mocha reporter). Each
 * section loads the target itself, so the files run alone or together. `mtls-conformance run`
 * builds the same tests in code instead (a second run in one process would see none of these:
 * ESM modules are cached).
 */
export function describeSection(section: Section): void {
  describe(SECTION_TITLES[section], () => {
    let services: RunServices | undefined;
    before(async () => {
      const targetFile = process.env[TARGET_ENV];
      if (!targetFile) {
        throw new UsageError(`set ${TARGET_ENV} to a target config to run the suites with mocha`);
      }
      const { target, dispatchers } = await loadTarget(targetFile, { env: process.env });
      services = createRunServices({ target, dispatchers });
    });
    after(async () => {
      await services?.logins.close();
      await services?.dispatchers.close();
    });
    for (const scenario of CATALOG.filter((s) => s.section === section)) {
      it(
        testTitle(scenario),
        scenarioTestBody(scenario, {
          evaluate: (s) => {
            if (!services) throw new Error(`${TARGET_ENV}: the target was not loaded`);
            return evaluateScenario(s, services, { deadlineMs: 12 * DEFAULT_TIMEOUT_MS });
          },
          onEvaluation: (test, evaluation) => decorateTest(test, evaluation.result),
        }),
      );
    }
  });
}

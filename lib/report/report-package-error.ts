import { EXIT, HarnessError } from '../errors.js';

/** verify-report was pointed at something that is not a report package (exit 2, not a verdict). */
export class NotAReportPackageError extends HarnessError {
  readonly dir: string;
  constructor(dir: string, problem: string, options?: { cause?: unknown }) {
    super('ERR_NOT_A_REPORT_PACKAGE', `${dir}: ${problem}`, EXIT.usageOrConfig, options);
    this.dir = dir;
  }
}

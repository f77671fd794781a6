/**
 * The harness could not judge the target because of how it was set up (server certificate not
 * trusted, a file the config names is unusable): reported as skipped with this reason, and the
 * run exits 2 so CI shows a configuration error rather than a verdict.
 */
export class SetupProblem extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SetupProblem';
  }
}

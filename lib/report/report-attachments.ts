import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SCREENSHOTS_FOLDER } from './previous-package.js';

/**
 * Files a run adds to its report package besides the reports (a failed login's screenshot):
 * written into the staging folder, so the manifest lists and signs them with everything else.
 */
export interface ReportAttachments {
  /**
   * Writes a screenshot under `screenshots/`; returns its path in the package. `name` is made of
   * the harness's own words (client names are [A-Za-z0-9._-]), never of the target's.
   */
  screenshot(name: string, png: Uint8Array): Promise<string>;
}

export function stagedAttachments(stagingPath: string): ReportAttachments {
  return {
    screenshot: async (name, png) => {
      if (!/^[A-Za-z0-9._-]+\.png$/.test(name) || name.startsWith('.')) {
        throw new Error(`not a screenshot file name: ${JSON.stringify(name)}`);
      }
      const dir = join(stagingPath, SCREENSHOTS_FOLDER);
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, name), png, { flag: 'wx' });
      return `${SCREENSHOTS_FOLDER}/${name}`;
    },
  };
}

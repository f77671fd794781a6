import { readFileSync } from 'node:fs';

interface PackageJson {
  name: string;
  version: string;
}

// dist/lib/version.js and lib/version.ts both sit two levels below the package root's
// package.json once compiled, so resolve it relative to the compiled module.
const pkg = JSON.parse(
  readFileSync(new URL('../../package.json', import.meta.url), 'utf8'),
) as PackageJson;

export const harnessName: string = pkg.name;
export const harnessVersion: string = pkg.version;

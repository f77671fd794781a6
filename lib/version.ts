import { readFileSync } from 'node:fs';
import { packageFile } from './package-files.js';

interface PackageJson {
  name: string;
  version: string;
}

const pkg = JSON.parse(readFileSync(packageFile('package.json'), 'utf8')) as PackageJson;

export const harnessName: string = pkg.name;
export const harnessVersion: string = pkg.version;

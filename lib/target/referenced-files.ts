import { dirname, resolve } from 'node:path';
import { parsePemBlocks } from '../certs/pem.js';
import { PEM_LIMIT, readInputText } from '../input-file.js';
import { configProblem } from './config-problem.js';

/**
 * Files a config names (CA bundles, certificates, keys, the certs manifest). Relative paths
 * resolve against the config file's directory; problems name the config path and the path as
 * the user wrote it (`clients[1].identity.cert: file not found: ./x.pem`).
 */
export class ReferencedFiles {
  readonly configFile: string;
  readonly baseDir: string;

  constructor(configFile: string) {
    this.configFile = configFile;
    this.baseDir = dirname(resolve(configFile));
  }

  resolve(path: string): string {
    return resolve(this.baseDir, path);
  }

  /** Certificates and keys: PEM text, regular files only, within PEM_LIMIT. */
  async readText(path: string, at: string): Promise<string> {
    return readInputText(this.resolve(path), {
      limit: PEM_LIMIT,
      problem: (problem, options) =>
        configProblem(this.configFile, at, `${problem}: ${path}`, options),
    });
  }

  /** A file holding at least one PEM certificate; returns the whole text. */
  async readCertificates(path: string, at: string): Promise<string> {
    const text = await this.readText(path, at);
    if (!parsePemBlocks(text).some((b) => b.label === 'CERTIFICATE')) {
      throw configProblem(this.configFile, at, `no PEM certificate in ${path}`);
    }
    return text;
  }

  /** A file holding an unencrypted PEM private key. */
  async readPrivateKey(path: string, at: string): Promise<string> {
    const text = await this.readText(path, at);
    const labels = parsePemBlocks(text).map((b) => b.label);
    if (labels.includes('ENCRYPTED PRIVATE KEY')) {
      throw configProblem(
        this.configFile,
        at,
        `${path} is encrypted; give an unencrypted PKCS#8 key (openssl pkcs8 -topk8 -nocrypt)`,
      );
    }
    if (!labels.some((label) => /^(RSA |EC )?PRIVATE KEY$/.test(label))) {
      throw configProblem(this.configFile, at, `no PEM private key in ${path}`);
    }
    return text;
  }
}

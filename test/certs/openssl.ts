import { execFile } from 'node:child_process';

export interface OpensslResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs openssl (bounded: 10 s), resolving with its exit code rather than throwing. */
export function openssl(args: string[]): Promise<OpensslResult> {
  return new Promise((resolve, reject) => {
    execFile('openssl', args, { timeout: 10_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(err);
        return;
      }
      resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr });
    });
  });
}

export interface OpensslCertInfo {
  /** SHA-256 fingerprint as base64url, i.e. what x5t#S256 must be. */
  x5tS256: string;
  /** After "subject=" / "issuer=" with -nameopt RFC2253. */
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
}

/** What openssl reads from a PEM certificate file. */
export async function opensslCertInfo(file: string): Promise<OpensslCertInfo> {
  const result = await openssl([
    'x509',
    '-in',
    file,
    '-noout',
    '-fingerprint',
    '-sha256',
    '-subject',
    '-issuer',
    '-dates',
    '-nameopt',
    'RFC2253',
  ]);
  if (result.code !== 0) throw new Error(`openssl x509 ${file}: ${result.stderr}`);
  const field = (prefix: string): string => {
    const line = result.stdout.split('\n').find((l) => l.startsWith(prefix));
    if (line === undefined) throw new Error(`openssl printed no ${prefix} for ${file}`);
    return line.slice(prefix.length);
  };
  const hex = field('sha256 Fingerprint=').replaceAll(':', '');
  return {
    x5tS256: Buffer.from(hex, 'hex').toString('base64url'),
    subject: field('subject='),
    issuer: field('issuer='),
    notBefore: new Date(field('notBefore=')),
    notAfter: new Date(field('notAfter=')),
  };
}

/** `openssl verify`: exit code and its one-line verdict per file. */
export function opensslVerify(opts: {
  caFile: string;
  untrusted?: string;
  purpose?: string;
  file: string;
}): Promise<OpensslResult> {
  const args = ['verify', '-CAfile', opts.caFile];
  if (opts.untrusted !== undefined) args.push('-untrusted', opts.untrusted);
  if (opts.purpose !== undefined) args.push('-purpose', opts.purpose);
  args.push(opts.file);
  return openssl(args);
}

/** `openssl x509 -noout -text` (names as -nameopt says, RFC2253 by default), or throws. */
export async function opensslText(file: string, nameopt = 'RFC2253'): Promise<string> {
  const result = await openssl(['x509', '-in', file, '-noout', '-text', '-nameopt', nameopt]);
  if (result.code !== 0) throw new Error(`openssl x509 -text ${file}: ${result.stderr}`);
  return result.stdout;
}

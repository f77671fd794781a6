/**
 * What each validation-depth certificate (PKI-18…22, SELF-08) must be, checked with openssl and
 * on its DER bytes: shared by the cert set's tests and the run-time pool's, so both sources are
 * held to the same properties.
 */
import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { expect } from 'chai';
import { NUL_CN_SUFFIX, NUL_DNS_SUFFIX } from '../../lib/certs/look-alike-names.js';
import { UNKNOWN_EXTENSION_OID } from '../../lib/certs/odd-extensions.js';
import { parsePemBlocks } from '../../lib/certs/pem.js';
import { dnEquals, formatDn, parseDn } from '../../lib/certs/rfc4514.js';
import { x509 } from '../../lib/certs/x509.js';
import { openssl, opensslCertInfo, opensslText, opensslVerify } from './openssl.js';

/** The certificates of a PEM file, leaf first. */
async function certificatesIn(file: string): Promise<X509Certificate[]> {
  return parsePemBlocks(await readFile(file, 'utf8'))
    .filter((block) => block.label === 'CERTIFICATE')
    .map((block) => new X509Certificate(block.der));
}

async function leafOf(file: string): Promise<X509Certificate> {
  const [leaf] = await certificatesIn(file);
  if (leaf === undefined) throw new Error(`no certificate in ${file}`);
  return leaf;
}

function contains(haystack: Buffer, needle: Buffer): boolean {
  return haystack.indexOf(needle) >= 0;
}

/** A DER TLV with a short-form length. */
function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, content.length]), content]);
}

/**
 * The CN value of a DN whose first RDN is the CN, and the DN's openssl rendering with the CN
 * value rendered as `cnText` instead.
 */
function victimCn(dn: string): { cn: string; rendered: (cnText: string) => string } {
  const [first, ...rest] = parseDn(dn);
  expect(first?.[0]?.type).to.equal('CN');
  const tail = rest.length > 0 ? `,${formatDn(rest)}` : '';
  return { cn: first?.[0]?.value ?? '', rendered: (cnText) => `CN=${cnText}${tail}` };
}

async function expectVerifies(caFile: string, file: string, untrusted?: string): Promise<void> {
  const verdict = await opensslVerify({
    caFile,
    file,
    ...(untrusted ? { untrusted } : {}),
  });
  expect(verdict.code, `${file}: ${verdict.stdout}${verdict.stderr}`).to.equal(0);
}

async function expectRefused(
  caFile: string,
  file: string,
  reason: RegExp,
  untrusted?: string,
): Promise<void> {
  const verdict = await opensslVerify({
    caFile,
    file,
    ...(untrusted ? { untrusted } : {}),
  });
  expect(verdict.code, file).to.not.equal(0);
  expect(verdict.stdout + verdict.stderr).to.match(reason);
}

/**
 * PKI-18: `file` is a leaf followed by the intermediate that issued it; the intermediate chains
 * to `caFile`, and `intermediateDn` is its subject as openssl prints it.
 */
export async function expectLeafWithIntermediate(opts: {
  file: string;
  caFile: string;
  intermediateDn: string;
}): Promise<void> {
  const [leaf, intermediate, ...more] = await certificatesIn(opts.file);
  expect(more, 'exactly leaf + intermediate').to.have.length(0);
  if (leaf === undefined || intermediate === undefined) throw new Error('leaf + intermediate');
  expect(leaf.checkIssued(intermediate)).to.equal(true);
  expect(intermediate.ca).to.equal(true);
  expect((await opensslCertInfo(opts.file)).issuer).to.equal(opts.intermediateDn);
  await expectVerifies(opts.caFile, opts.file, opts.file);
  // Without the intermediate the leaf does not chain: the intermediate is what is tested.
  await expectRefused(opts.caFile, opts.file, /unable to get local issuer certificate/);
}

/**
 * PKI-19: `file` is the certificate for `subject` followed by `issuerFile`'s leaf, which signed
 * it and is no CA (openssl -text: CA:FALSE, no Certificate Sign); openssl refuses the chain.
 */
export async function expectIssuedByLeaf(opts: {
  file: string;
  issuerFile: string;
  caFile: string;
  subject: string;
}): Promise<void> {
  const [cert, sentIssuer] = await certificatesIn(opts.file);
  const issuer = await leafOf(opts.issuerFile);
  if (cert === undefined || sentIssuer === undefined) throw new Error('certificate + its issuer');
  expect(sentIssuer.raw.equals(issuer.raw), 'the issuing leaf is sent after it').to.equal(true);
  const info = await opensslCertInfo(opts.file);
  expect(info.subject).to.equal(opts.subject);
  expect(info.issuer).to.equal((await opensslCertInfo(opts.issuerFile)).subject);
  expect(cert.verify(issuer.publicKey), "signed with the issuing leaf's key").to.equal(true);
  const issuerText = await opensslText(opts.issuerFile);
  expect(issuerText).to.match(/X509v3 Basic Constraints: critical\n\s+CA:FALSE\n/);
  expect(issuerText).to.match(/X509v3 Key Usage: critical\n\s+Digital Signature\n/);
  expect(issuerText).to.not.include('Certificate Sign');
  // The issuing leaf itself is trusted; the certificate it issued is not.
  await expectVerifies(opts.caFile, opts.issuerFile, opts.issuerFile);
  await expectRefused(
    opts.caFile,
    opts.file,
    /invalid CA certificate|key usage does not include certificate signing/,
    opts.file,
  );
}

/** PKI-20: the private OID, marked critical; refused for it alone (fine with -ignore_critical). */
export async function expectUnknownCriticalExtension(opts: {
  file: string;
  caFile: string;
  subject: string;
}): Promise<void> {
  const text = await opensslText(opts.file);
  expect(text).to.include(`${UNKNOWN_EXTENSION_OID}: critical\n`);
  expect((await opensslCertInfo(opts.file)).subject).to.equal(opts.subject);
  await expectRefused(opts.caFile, opts.file, /unhandled critical extension/);
  const ignored = await openssl(['verify', '-ignore_critical', '-CAfile', opts.caFile, opts.file]);
  expect(ignored.code, ignored.stdout + ignored.stderr).to.equal(0);
}

/**
 * PKI-21, NUL in the CN: the victim's CN value, a NUL byte and NUL_CN_SUFFIX in one UTF8String
 * (DER and openssl asn1parse), `\00` in openssl's RFC2253 rendering and the raw byte with
 * -nameopt utf8; the other RDNs are the victim's; otherwise valid.
 */
export async function expectNulInCn(opts: {
  file: string;
  caFile: string;
  victimDn: string;
}): Promise<void> {
  const { cn, rendered } = victimCn(opts.victimDn);
  const value = Buffer.from(`${cn}\0${NUL_CN_SUFFIX}`, 'utf8');
  const leaf = await leafOf(opts.file);
  expect(contains(leaf.raw, tlv(0x0c, value)), 'UTF8String with the NUL').to.equal(true);
  const info = await opensslCertInfo(opts.file);
  expect(info.subject).to.equal(rendered(`${cn}\\00${NUL_CN_SUFFIX}`));
  const parsed = await openssl(['asn1parse', '-in', opts.file]);
  expect(parsed.stdout).to.include(`prim: UTF8STRING        :${cn}\0${NUL_CN_SUFFIX}\n`);
  const utf8 = await openssl(['x509', '-in', opts.file, '-noout', '-subject', '-nameopt', 'utf8']);
  expect(utf8.stdout).to.include(`CN=${cn}\0${NUL_CN_SUFFIX}`);
  expect(dnEquals(parseDn(info.subject), parseDn(opts.victimDn))).to.equal(false);
  await expectVerifies(opts.caFile, opts.file);
}

/**
 * PKI-21, NUL in a dNSName: the only SAN is `<dns>\0` + NUL_DNS_SUFFIX, byte for byte in the
 * DER and in openssl's dump of the extension (openssl 3 will not print a name with a NUL as
 * `DNS:`, so it dumps the extension, where the NUL shows as `.`); otherwise valid.
 */
export async function expectNulInSan(opts: {
  file: string;
  caFile: string;
  dnsName: string;
  subject: string;
}): Promise<void> {
  const value = `${opts.dnsName}\0${NUL_DNS_SUFFIX}`;
  const leaf = await leafOf(opts.file);
  const generalNames = tlv(0x30, tlv(0x82, Buffer.from(value, 'latin1')));
  expect(contains(leaf.raw, generalNames), 'GeneralNames with the one NUL dNSName').to.equal(true);
  const parsed = await openssl(['asn1parse', '-in', opts.file]);
  expect(parsed.stdout).to.include(`[HEX DUMP]:${generalNames.toString('hex').toUpperCase()}\n`);
  const ext = await openssl(['x509', '-in', opts.file, '-noout', '-ext', 'subjectAltName']);
  expect(ext.stdout).to.include(`${opts.dnsName}.${NUL_DNS_SUFFIX}`);
  expect(ext.stdout).to.not.include(`DNS:${opts.dnsName}`);
  const names = new x509.X509Certificate(leaf.raw)
    .getExtension(x509.SubjectAlternativeNameExtension)
    ?.names.toJSON();
  expect(names).to.deep.equal([{ type: 'dns', value }]);
  expect((await opensslCertInfo(opts.file)).subject).to.equal(opts.subject);
  await expectVerifies(opts.caFile, opts.file);
}

/**
 * PKI-21, homoglyph: the victim's CN with the Cyrillic а (U+0430, UTF-8 D0 B0) in place of a
 * Latin a, in a UTF8String; openssl -nameopt utf8 prints the letter, RFC2253 its bytes.
 */
export async function expectHomoglyphCn(opts: {
  file: string;
  caFile: string;
  victimDn: string;
}): Promise<void> {
  const { cn, rendered } = victimCn(opts.victimDn);
  const lookAlike = cn.replace('a', '\u0430');
  expect(lookAlike).to.not.equal(cn);
  const leaf = await leafOf(opts.file);
  expect(contains(leaf.raw, tlv(0x0c, Buffer.from(lookAlike, 'utf8')))).to.equal(true);
  expect(contains(leaf.raw, Buffer.from([0xd0, 0xb0]))).to.equal(true);
  const utf8 = await openssl(['x509', '-in', opts.file, '-noout', '-subject', '-nameopt', 'utf8']);
  expect(utf8.stdout).to.include(`CN=${lookAlike}`);
  const info = await opensslCertInfo(opts.file);
  expect(info.subject).to.equal(rendered(cn.replace('a', '\\D0\\B0')));
  expect(dnEquals(parseDn(info.subject), parseDn(opts.victimDn))).to.equal(false);
  await expectVerifies(opts.caFile, opts.file);
}

/**
 * `openssl x509 -text` without the public key and the signature: version, serial, signature
 * algorithm, issuer, validity, subject and every extension.
 */
function withoutKeyAndSignature(text: string): string {
  const lines = text.split('\n');
  const keyStart = lines.indexOf('        Subject Public Key Info:');
  const keyEnd = lines.indexOf('        X509v3 extensions:');
  const signature = lines.findIndex((line) => /^ {4}Signature Algorithm:/.test(line));
  expect(keyStart).to.be.above(0);
  expect(keyEnd).to.be.above(keyStart);
  expect(signature).to.be.above(keyEnd);
  return [...lines.slice(0, keyStart), ...lines.slice(keyEnd, signature)].join('\n');
}

/**
 * PKI-22: the look-alike reads, in openssl -text, exactly as the victim's certificate but for
 * its key and signature (serial, issuer, validity, subject, extensions with SKI and AKI); it
 * does not verify under the trusted CA, and does under `lookAlikeCaFile` (when the caller has
 * it), whose subject is the trusted CA's, byte for byte, over another key.
 */
export async function expectLookAlike(opts: {
  file: string;
  victimFile: string;
  trustedCaFile: string;
  lookAlikeCaFile?: string;
}): Promise<void> {
  const [text, victimText] = await Promise.all([
    opensslText(opts.file),
    opensslText(opts.victimFile),
  ]);
  expect(withoutKeyAndSignature(text)).to.equal(withoutKeyAndSignature(victimText));
  expect(text).to.include('X509v3 Subject Key Identifier');
  expect(text).to.include('X509v3 Authority Key Identifier');
  const [copy, victim] = await Promise.all([leafOf(opts.file), leafOf(opts.victimFile)]);
  expect(copy.serialNumber).to.equal(victim.serialNumber);
  expect(copy.publicKey.equals(victim.publicKey), 'a fresh key').to.equal(false);
  expect(copy.raw.equals(victim.raw)).to.equal(false);
  await expectRefused(opts.trustedCaFile, opts.file, /certificate signature failure/);
  await expectVerifies(opts.trustedCaFile, opts.victimFile);
  if (opts.lookAlikeCaFile === undefined) return;
  const [trusted, lookAlikeCa] = await Promise.all([
    leafOf(opts.trustedCaFile),
    leafOf(opts.lookAlikeCaFile),
  ]);
  const subjectDer = (cert: X509Certificate) =>
    Buffer.from(new x509.X509Certificate(cert.raw).subjectName.toArrayBuffer());
  expect(subjectDer(lookAlikeCa).equals(subjectDer(trusted)), 'CA name, byte for byte').to.equal(
    true,
  );
  expect(lookAlikeCa.publicKey.equals(trusted.publicKey)).to.equal(false);
  await expectVerifies(opts.lookAlikeCaFile, opts.file);
}

/**
 * SELF-08: three self-signed certificates, one subject, three keys; each verifies as its own
 * trust anchor; `jwks` (when given) holds the first two, each with its x5c, not the third.
 */
export async function expectSelfSignedTwoKeys(opts: {
  files: [string, string, string];
  subject: string;
  jwks?: { keys: Array<Record<string, unknown>> };
}): Promise<void> {
  const certificates = await Promise.all(opts.files.map(leafOf));
  for (const file of opts.files) {
    const info = await opensslCertInfo(file);
    expect(info.subject, file).to.equal(opts.subject);
    expect(info.issuer, file).to.equal(opts.subject);
    await expectVerifies(file, file);
  }
  const keys = new Set(
    certificates.map((cert) =>
      cert.publicKey.export({ type: 'spki', format: 'der' }).toString('hex'),
    ),
  );
  expect(keys.size, 'three keys').to.equal(3);
  if (opts.jwks) {
    const x5c = opts.jwks.keys.map((jwk) => (jwk.x5c as string[])[0]);
    expect(x5c).to.deep.equal(certificates.slice(0, 2).map((cert) => cert.raw.toString('base64')));
    for (const [index, jwk] of opts.jwks.keys.entries()) {
      const { x5c: _, ...publicJwk } = jwk;
      expect(publicJwk).to.deep.equal(certificates[index]?.publicKey.export({ format: 'jwk' }));
    }
  }
}

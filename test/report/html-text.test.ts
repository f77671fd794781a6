import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { asText } from '../../lib/report/html-report.js';
import { addReportFront } from '../../lib/report/report-front.js';
import { runResult, scenario } from './fixtures.js';

/**
 * mochawesome's renderer picks a context value's form with regular expressions: an image for a
 * string ending in png/jpg/gif, a video for mp4/webm, a link for a URL, an inline image for a
 * data: URL. The expressions are read from the pinned bundle itself, so an upgrade that changes
 * them fails here instead of hiding evidence in the report.
 */
function rendererPatterns(bundle: string): RegExp[] {
  const sources = [
    /\/\(\?:png\|jpe\?g\|gif\)\$\/i/, // image by extension
    /\/\(mp4\|webm\)\$\/i/, // video by extension
    /\/\^data:image\\\/\([^/]+\)\+;base64,\([^/]+\)\$\/i/, // base64 image
    /\/\^data:video\\\/\(mp4\|webm\);base64,\([^/]+\)\$\/i/, // base64 video
  ];
  return sources.map((finder) => {
    const literal = finder.exec(bundle)?.[0];
    if (literal === undefined) throw new Error(`mochawesome renderer pattern ${finder} not found`);
    const flagsAt = literal.lastIndexOf('/');
    return new RegExp(literal.slice(1, flagsAt), literal.slice(flagsAt + 1));
  });
}

/** The URL test is long; it is the one that starts with an optional scheme and ends in \S*)?$. */
function urlPattern(bundle: string): RegExp {
  const at = bundle.indexOf('=/^(?:(?:https?|ftp):\\/\\/)?');
  const end = bundle.indexOf('$/,', at);
  if (at === -1 || end === -1) throw new Error('mochawesome URL pattern not found');
  return new RegExp(bundle.slice(at + 2, end + 1));
}

describe('report.html: evidence always renders as text', () => {
  const require = createRequire(import.meta.url);
  let bundle: string;
  before(async () => {
    bundle = await readFile(require.resolve('mochawesome-report-generator/dist/app.js'), 'utf8');
  });

  const hostile = [
    'see https://evil.example/pixel.png',
    'invalid_token.PNG',
    'clip.mp4',
    'data:image/png;base64,iVBORw0KGgo=',
    'data:video/mp4;base64,AAAA',
    'https://evil.example/',
    'evil.example',
  ];

  it('the raw values would be rendered as media or links (so the test can fail)', () => {
    const patterns = [...rendererPatterns(bundle), urlPattern(bundle)];
    for (const value of hostile) {
      expect(
        patterns.some((p) => p.test(value)),
        value,
      ).to.equal(true);
    }
  });

  it('asText() makes every one of them fail every renderer pattern', () => {
    const patterns = [...rendererPatterns(bundle), urlPattern(bundle)];
    for (const value of hostile) {
      const text = asText(value);
      expect(patterns.filter((p) => p.test(text)).map(String), value).to.deep.equal([]);
      expect(text.trim()).to.equal(value);
    }
  });
});

describe('report.html run header', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'mtls-header-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("an issuer holding replacement patterns ($&, $', $`, $1) is shown as written", async () => {
    const marker = '<div id="report"></div>';
    await writeFile(
      join(dir, 'report.html'),
      `<html><head></head><body>BEFORE${marker}AFTER</body></html>`,
    );
    const issuer = "https://as.example/$&/$'/$`/$1/$$<b>";
    await addReportFront(dir, runResult([scenario({ id: 'PKI-01' })], { target: { issuer } }), {
      strict: false,
    });
    const html = await readFile(join(dir, 'report.html'), 'utf8');
    expect(html).to.include('<b>https://as.example/$&#38;/$&#39;/$`/$1/$$&#60;b&#62;</b>');
    expect(html.startsWith('<html><head><style id="mc-style">')).to.equal(true);
    expect(html).to.include('</style></head><body>BEFORE<section id="mtls-conformance-front"');
    expect(html.endsWith('AFTER</body></html>')).to.equal(true);
    expect(html.split(marker)).to.have.length(2);
  });
});

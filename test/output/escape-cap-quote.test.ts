import { expect } from 'chai';
import { capText } from '../../lib/output/cap.js';
import { escapeControls } from '../../lib/output/escape.js';
import { quotedJson, safeJsonStringify, shellQuoted, shown } from '../../lib/output/quote.js';

describe('lib/output escaping, capping, quoting', () => {
  describe('escapeControls', () => {
    it('shows C0, DEL and C1 controls, bidi and invisible characters as visible escapes', () => {
      const sent = 'a\u001b]0;t\u0007\u0000\u007f\u009b\u202e\u2066\u200b\ufeff\u{e0041}\u2028b';
      expect(escapeControls(sent)).to.equal(
        'a\\x1b]0;t\\x07\\x00\\x7f\\x9b\\u202e\\u2066\\u200b\\ufeff\\u{e0041}\\u2028b',
      );
    });

    it('one-line text: newlines, tabs and carriage returns are escaped too', () => {
      expect(escapeControls('x\r\nPASS y\tz')).to.equal('x\\r\\nPASS y\\tz');
    });

    it('multi-line text keeps LF and TAB, turns CRLF into LF, escapes a lone CR', () => {
      expect(escapeControls('a\r\nb\tc\rd', { multiline: true })).to.equal('a\nb\tc\\rd');
    });

    it('leaves printable text alone, whatever the script: é, 中, 😀, Cyrillic а', () => {
      const text = 'é 中 😀 а \\x1b "quoted"';
      expect(escapeControls(text)).to.equal(text);
    });

    it('a lone surrogate is escaped, not passed on', () => {
      expect(escapeControls('x\ud800y')).to.equal('x\\ud800y');
    });
  });

  describe('capText', () => {
    it('leaves text up to the cap alone and says how much was left out', () => {
      expect(capText('abc', 3)).to.equal('abc');
      expect(capText('abcdef', 3)).to.equal('abc…[3 more characters]');
    });

    it('never splits a surrogate pair', () => {
      expect(capText('ab😀cd', 3)).to.equal('ab…[4 more characters]');
    });
  });

  describe('quoting', () => {
    it('shown(): one line, escaped, capped', () => {
      expect(shown('a\nb\u001b', 200)).to.equal('a\\nb\\x1b');
      expect(shown('x'.repeat(300), 10)).to.equal('xxxxxxxxxx…[290 more characters]');
    });

    it('shellQuoted(): nothing inside expands, a quote closes and reopens', () => {
      expect(shellQuoted("https://as/reg'; rm -rf ~ #$(id)")).to.equal(
        `'https://as/reg'\\''; rm -rf ~ #$(id)'`,
      );
    });

    it('safeJsonStringify(): the same value back, no unsafe character raw in the text', () => {
      const value = { a: 'x\u009b\u202e\u{e0041}\u001b', b: ['\u2028'] };
      const text = safeJsonStringify(value, 2);
      expect(JSON.parse(text)).to.deep.equal(value);
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are the point.
      expect(text).to.not.match(/[\u0080-\u009f\u202e\u2028\u{e0041}\u001b]/u);
      expect(text).to.include('\n  "a"');
    });

    it('quotedJson(): JSON, capped', () => {
      expect(quotedJson('iss')).to.equal('"iss"');
      expect(quotedJson('y'.repeat(500), 5)).to.equal('"yyyy…[497 more characters]');
      expect(quotedJson(undefined)).to.equal('undefined');
    });
  });
});

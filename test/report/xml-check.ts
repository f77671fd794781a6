/**
 * A deliberately small XML 1.0 reader for the tests: enough to prove junit.xml is well-formed
 * (one root, matched tags, quoted attributes, only predefined or numeric entities, no character
 * XML forbids) and to walk it. It throws on the first violation.
 */
export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][A-Za-z0-9_.:-]*';
const FORBIDDEN = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function parseXml(xml: string): XmlElement {
  if (FORBIDDEN.test(xml)) throw new Error('a character XML 1.0 forbids');
  let rest = xml.replace(/^<\?xml [^?]*\?>\s*/, '');
  if (rest === xml) throw new Error('no XML declaration');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  const tagRe = new RegExp(`^<(/?)(${NAME})((?:\\s+${NAME}\\s*=\\s*"[^"<]*")*)\\s*(/?)>`);
  while (rest.length > 0) {
    const lt = rest.indexOf('<');
    const textPart = lt === -1 ? rest : rest.slice(0, lt);
    if (textPart !== '') {
      const parent = stack.at(-1);
      if (parent === undefined) {
        if (textPart.trim() !== '') throw new Error(`text outside the root: ${textPart}`);
      } else {
        parent.text += decode(textPart);
      }
      rest = rest.slice(textPart.length);
      continue;
    }
    const m = tagRe.exec(rest);
    if (m === null) throw new Error(`malformed tag at: ${rest.slice(0, 60)}`);
    const [whole, closing, name = '', attrText = '', selfClosing] = m;
    rest = rest.slice(whole.length);
    if (closing === '/') {
      const open = stack.pop();
      if (open?.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      continue;
    }
    const element: XmlElement = { name, attrs: parseAttrs(attrText), children: [], text: '' };
    const parent = stack.at(-1);
    if (parent === undefined) {
      if (root !== undefined) throw new Error('a second root element');
      root = element;
    } else {
      parent.children.push(element);
    }
    if (selfClosing !== '/') stack.push(element);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack.at(-1)?.name}>`);
  if (root === undefined) throw new Error('no root element');
  return root;
}

function parseAttrs(text: string): Record<string, string> {
  const attrs: Record<string, string> = {};
  for (const m of text.matchAll(new RegExp(`(${NAME})\\s*=\\s*"([^"]*)"`, 'g'))) {
    const [, name = '', value = ''] = m;
    if (name in attrs) throw new Error(`attribute ${name} twice`);
    attrs[name] = decode(value);
  }
  return attrs;
}

function decode(text: string): string {
  return text.replace(/&([^;]*);|&|>/g, (whole, ref: string | undefined) => {
    if (whole === '>') return '>';
    if (ref === undefined) throw new Error(`bare & in: ${text}`);
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref in named) return named[ref] ?? '';
    const num = /^#(x[0-9A-Fa-f]+|[0-9]+)$/.exec(ref);
    if (num === null) throw new Error(`unknown entity &${ref};`);
    const digits = num[1] ?? '';
    const cp = digits.startsWith('x') ? Number.parseInt(digits.slice(1), 16) : Number(digits);
    const ch = String.fromCodePoint(cp);
    if (FORBIDDEN.test(ch)) throw new Error(`&${ref}; names a forbidden character`);
    return ch;
  });
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

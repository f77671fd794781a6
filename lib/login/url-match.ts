/**
 * How a login step names the page it expects: a glob over the whole URL (`**` any characters,
 * `*` any but `/`; everything else literal, `?` included since URLs carry queries) or a
 * regular expression searched in it.
 */
export type UrlMatch = { kind: 'glob'; pattern: string } | { kind: 'regex'; pattern: string };

export function urlMatcher(match: UrlMatch): RegExp {
  return match.kind === 'regex' ? new RegExp(match.pattern) : globRegExp(match.pattern);
}

export function urlMatches(match: UrlMatch, url: string): boolean {
  return urlMatcher(match).test(url);
}

/** The step's pattern as the config wrote it, for messages. */
export function describeUrlMatch(match: UrlMatch): string {
  return match.kind === 'regex' ? `/${match.pattern}/` : match.pattern;
}

function globRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
    } else if (c === '*') {
      source += '[^/]*';
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}

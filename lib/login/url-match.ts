/**
 * How a login step names the page it expects: a glob (`**` any characters, `*` any but `/`;
 * everything else literal, `?` included since URLs carry queries) or a regular expression
 * searched in the whole URL. A glob matches the whole URL or the URL without its query and
 * fragment: `**\/consent` names the consent page whatever state or handle its query carries.
 */
export type UrlMatch = { kind: 'glob'; pattern: string } | { kind: 'regex'; pattern: string };

function urlMatcher(match: UrlMatch): RegExp {
  return match.kind === 'regex' ? new RegExp(match.pattern) : globRegExp(match.pattern);
}

export function urlMatches(match: UrlMatch, url: string): boolean {
  const matcher = urlMatcher(match);
  return matcher.test(url) || (match.kind === 'glob' && matcher.test(withoutQuery(url)));
}

function withoutQuery(url: string): string {
  const end = url.search(/[?#]/);
  return end === -1 ? url : url.slice(0, end);
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

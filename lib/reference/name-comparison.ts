import { latinForLookAlikes } from '../certs/look-alike-names.js';
import type { Dn } from '../certs/rfc4514.js';
import type { Defects } from './defects.js';

/**
 * A name from a presented certificate as the matching code sees it. Conformant: exactly as
 * encoded, every character counted. The PKI-21 defects see it as C string handling does (the
 * value ends at its first NUL) or through a lax, transliterating normaliser (a Cyrillic `а` is
 * taken for a Latin `a`).
 */
export function comparedText(value: string, defects: Defects): string {
  let text = value;
  if (defects.has('names-cut-at-nul')) {
    const nul = text.indexOf('\0');
    if (nul >= 0) text = text.slice(0, nul);
  }
  if (defects.has('names-folded-to-ascii')) text = latinForLookAlikes(text);
  return text;
}

/** Every attribute value of `dn` through comparedText; `dn` itself when no defect applies. */
export function comparedDn(dn: Dn, defects: Defects): Dn {
  if (!defects.has('names-cut-at-nul') && !defects.has('names-folded-to-ascii')) return dn;
  return dn.map((rdn) => rdn.map((ava) => ({ ...ava, value: comparedText(ava.value, defects) })));
}

/**
 * Names that read like the victim's and are not (PKI-21), derived from the victim's own DN and
 * SAN: a NUL inside the CN or a dNSName, where a compare of C strings stops and sees the victim;
 * and a Cyrillic letter in the CN where a Latin one looks the same, which a lax normaliser (or
 * a human reading a log) folds into the victim's name.
 */
import { type Ava, type Dn, formatDn, parseDn } from './rfc4514.js';

/** What follows the NUL: `CN=client-a\0.attacker`. */
export const NUL_CN_SUFFIX = '.attacker';
/** `client-a.clients.example.test\0.attacker.test`: the tail is a name the attacker could own. */
export const NUL_DNS_SUFFIX = '.attacker.test';

/** Cyrillic letters drawn like Latin ones (the usual IDN-spoofing set), Latin `a` first. */
const CYRILLIC_LOOK_ALIKES: ReadonlyArray<[string, string]> = [
  ['a', '\u0430'],
  ['c', '\u0441'],
  ['e', '\u0435'],
  ['o', '\u043e'],
  ['p', '\u0440'],
  ['x', '\u0445'],
  ['y', '\u0443'],
  ['i', '\u0456'],
  ['s', '\u0455'],
  ['j', '\u0458'],
  ['A', '\u0410'],
  ['B', '\u0412'],
  ['C', '\u0421'],
  ['E', '\u0415'],
  ['H', '\u041d'],
  ['K', '\u041a'],
  ['M', '\u041c'],
  ['O', '\u041e'],
  ['P', '\u0420'],
  ['T', '\u0422'],
  ['X', '\u0425'],
];

/**
 * `dn` with a NUL and NUL_CN_SUFFIX after its CN value (the most specific CN; the most specific
 * attribute when there is none), rendered as openssl prints it (`\00`). Minted, the value is a
 * UTF8String, which holds the NUL as a byte. Undefined for the empty DN.
 */
export function withNulInCommonName(dn: string): string | undefined {
  return withCommonName(dn, (value) => `${value}\0${NUL_CN_SUFFIX}`);
}

/**
 * `dn` with one letter of its CN value replaced by its Cyrillic look-alike: the first Latin `a`
 * (U+0430 for U+0061), else the first `c`, `e`, `o` … in CYRILLIC_LOOK_ALIKES' order. Undefined
 * when the value has none of them.
 */
export function withHomoglyphInCommonName(dn: string): string | undefined {
  return withCommonName(dn, (value) => {
    for (const [latin, cyrillic] of CYRILLIC_LOOK_ALIKES) {
      const at = value.indexOf(latin);
      if (at >= 0) return value.slice(0, at) + cyrillic + value.slice(at + 1);
    }
    return undefined;
  });
}

/**
 * `text` with each Cyrillic letter of the look-alike set above replaced by its Latin twin: what
 * a transliterating ("ASCII-folding") normaliser makes of a look-alike name.
 */
export function latinForLookAlikes(text: string): string {
  let folded = text;
  for (const [latin, cyrillic] of CYRILLIC_LOOK_ALIKES) folded = folded.replaceAll(cyrillic, latin);
  return folded;
}

/** The registered dNSName, a NUL, then NUL_DNS_SUFFIX. */
export function withNulInDnsName(dnsName: string): string {
  return `${dnsName}\0${NUL_DNS_SUFFIX}`;
}

function withCommonName(
  text: string,
  change: (value: string) => string | undefined,
): string | undefined {
  const dn: Dn = parseDn(text);
  const target = dn.flat().find((ava) => ava.type === 'CN') ?? dn[0]?.[0];
  if (target === undefined) return undefined;
  const value = change(target.value);
  if (value === undefined) return undefined;
  // A #hex value becomes text: the changed value is a string, encoded as minting encodes text.
  const changed: Ava = { type: target.type, value };
  return formatDn(dn.map((rdn) => rdn.map((ava) => (ava === target ? changed : ava))));
}

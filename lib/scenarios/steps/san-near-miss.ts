import { isIPv4 } from 'node:net';
import type { San } from '../../certs/mint.js';
import type { SubjectMatch } from '../../target/target.js';

/** A SAN registration (RFC 8705 §2.1.2 `tls_client_auth_san_*`). */
export type SanMatch = SubjectMatch & { kind: Exclude<SubjectMatch['kind'], 'subject_dn'> };

/** How a near-miss differs from the registered SAN. */
export type SanTrick = 'other-value' | 'other-type' | 'suffix';

/**
 * A SAN that a client certificate must NOT be accepted with: close to the registered one, in
 * the ways real SAN matchers go wrong (RFC 8705 §2.1.2 asks for the registered value, of the
 * registered type, exactly).
 */
export interface SanNearMiss {
  trick: SanTrick;
  /** For the report: what the certificate carries instead of the registered SAN. */
  description: string;
  san: San;
}

const SAN_TYPE: Record<SanMatch['kind'], San['type']> = {
  san_dns: 'dns',
  san_uri: 'uri',
  san_ip: 'ip',
  san_email: 'email',
};

/** An iPAddress SAN only holds an address, so every other type's text lands in a dNSName. */
const OTHER_TYPE: Record<San['type'], Exclude<San['type'], 'ip'>> = {
  dns: 'uri',
  uri: 'dns',
  ip: 'dns',
  email: 'dns',
};

const OTHER = 'mtls-conformance-other';

export function isSanMatch(match: SubjectMatch | undefined): match is SanMatch {
  return match !== undefined && match.kind !== 'subject_dn';
}

/** The SAN a certificate carries to match this registration. */
export function registeredSan(match: SanMatch): San {
  return { type: SAN_TYPE[match.kind], value: match.value };
}

/**
 * The near-misses for one registration: another value of the same type, the same value as
 * another type, and (for the types whose values are names) the registered value followed by
 * `.evil`, which a suffix/substring/prefix matcher accepts.
 */
export function sanNearMisses(match: SanMatch): SanNearMiss[] {
  const registered = registeredSan(match);
  const otherType = OTHER_TYPE[registered.type];
  const misses: SanNearMiss[] = [
    {
      trick: 'other-value',
      description: `another ${registered.type} SAN`,
      san: { type: registered.type, value: otherValue(registered.type, registered.value) },
    },
    {
      trick: 'other-type',
      description: `the registered value as a ${otherType} SAN`,
      san: { type: otherType, value: registered.value },
    },
  ];
  if (registered.type !== 'ip') {
    misses.push({
      trick: 'suffix',
      description: `the registered ${registered.type} value followed by ".evil"`,
      san: { type: registered.type, value: `${registered.value}.evil` },
    });
  }
  return misses;
}

/** Same type, same shape, another value: a sibling host, address, mailbox or path segment. */
function otherValue(type: San['type'], registered: string): string {
  const value = siblingValue(type, registered, OTHER);
  // A registration that already is our sibling name: take another one.
  return value.toLowerCase() === registered.toLowerCase()
    ? siblingValue(type, registered, `${OTHER}-2`)
    : value;
}

function siblingValue(type: San['type'], registered: string, name: string): string {
  switch (type) {
    case 'dns': {
      const dot = registered.indexOf('.');
      return dot > 0 ? `${name}${registered.slice(dot)}` : name;
    }
    case 'uri': {
      const cut = Math.max(registered.lastIndexOf(':'), registered.lastIndexOf('/'));
      const tail = registered.slice(cut + 1);
      return cut >= 0 && tail !== '' ? `${registered.slice(0, cut + 1)}${name}` : `urn:${name}`;
    }
    case 'ip': {
      if (isIPv4(registered)) {
        const octets = registered.split('.');
        const last = Number(octets.pop());
        return [...octets, String((last + 128) % 256)].join('.');
      }
      // Documentation prefix (RFC 3849); registered IPv6 SANs are rare and never this one.
      return registered.toLowerCase() === '2001:db8::6d74:6c73'
        ? '2001:db8::1'
        : '2001:db8::6d74:6c73';
    }
    case 'email': {
      const at = registered.lastIndexOf('@');
      return at >= 0 ? `${name}${registered.slice(at)}` : `${name}@example.invalid`;
    }
  }
}
